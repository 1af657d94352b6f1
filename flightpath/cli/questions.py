"""`flightpath reach`, `exposure`, `check` and `diff` (and, as they land, the other questions beyond one trace). Registered on the app by
cli/app.py; heavy modules are imported inside the commands."""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from flightpath.cli.app import (
    EXIT_NOT_REACHABLE,
    EXIT_REACHABLE,
    EXIT_UNKNOWN,
    SNAPSHOT_ENV,
    Format,
    _write_output,
    app,
)

# Options the batch commands share (typer option objects can be reused as defaults).
WORKERS = typer.Option(1, "--workers", min=1, max=256, metavar="N",
                       help="Local worker processes (each loads the compiled snapshot cache once).")
EXECUTOR = typer.Option(None, "--executor", metavar="dask://HOST:PORT",
                        help="Run on an existing dask cluster (pip install 'flightpath[dask]').")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bar.")


@dataclass
class FixSection:
    json: dict
    lines: list[str]


def suggest_fixes(topo, query, result) -> FixSection:
    """`trace --fix`: the suggestions, and the verdict of the trace re-run with all of them applied."""
    from flightpath.questions.fixes import suggest, verify
    from flightpath.report.fixes_report import fix_lines, fixes_json

    fixes = suggest(topo, result.trace)
    after = verify(topo, query, fixes) if fixes else result.trace.verdict
    return FixSection(fixes_json(fixes, after), fix_lines(fixes, after) if fixes else ["nothing to fix"])


@app.command()
def reach(
    src: str = typer.Argument(..., help="Like trace's SRC: instance id or Name, interface id, IP, or 'internet'."),
    dst: str = typer.Argument(..., help="Like trace's DST."),
    snapshot: Path = typer.Option(..., "--snapshot", "-s", envvar=SNAPSHOT_ENV, show_envvar=True,
                                  help="Snapshot folder (or any folder of cloud JSON dumps)."),
    protocol: str = typer.Option("default", "--protocol", "-p",
                                 help="tcp, udp, icmp, icmpv6, an IANA number, 'all' (every IP protocol), or "
                                      "'default' (tcp, udp and icmp)."),
    src_port: Optional[int] = typer.Option(None, "--src-port",
                                           help="Fix the client's source port [default: every port of 49152-65535]."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to FILE (atomically)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore the compiled snapshot cache."),
) -> None:
    """Which protocols and ports SRC can send to DST (and get the reply back), exactly, with the rules that
    admit or block each range. Exit 0 when something passes, 1 when nothing does, 3 when nothing passes
    and some traffic is undetermined."""
    from flightpath.errors import FlowError
    from flightpath.questions.reach import reach as run_reach
    from flightpath.report.reach_report import build_reach_report, reach_markdown, render_reach
    from flightpath.topology import load_snapshot

    text = protocol.strip().lower()
    proto = _protocol(text)
    if src_port is not None and not 0 <= src_port <= 65535:
        raise FlowError(f"--src-port: {src_port} is not a port (0-65535)")
    topo = load_snapshot(snapshot, use_cache=not no_cache)
    result = run_reach(topo, src, dst, protocol=proto, src_port=src_port)
    if fmt is Format.json:
        import json

        query = {"src": src, "dst": dst, "protocol": text, "src_port": src_port}
        _write_output(json.dumps(build_reach_report(result, topo.info, query), indent=2) + "\n", output)
    elif fmt is Format.markdown:
        _write_output(reach_markdown(result, topo.info), output)
    else:
        _render(render_reach, result, topo.info, output)
    if result.open_segments:
        raise typer.Exit(EXIT_REACHABLE)
    undetermined = any(s.verdict.value in ("unknown", "ambiguous") for s in result.segments)
    raise typer.Exit(EXIT_UNKNOWN if undetermined else EXIT_NOT_REACHABLE)


@app.command()
def exposure(
    snapshot: Path = typer.Option(..., "--snapshot", "-s", envvar=SNAPSHOT_ENV, show_envvar=True,
                                  help="Snapshot folder (or any folder of cloud JSON dumps)."),
    origin: str = typer.Option("internet", "--from", help="internet, an IP, a CIDR (its first address stands for "
                                                          "it), or an endpoint (instance, interface)."),
    protocol: str = typer.Option("default", "--protocol", "-p", help="As for reach."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to FILE (atomically)."),
    workers: int = WORKERS,
    executor: Optional[str] = EXECUTOR,
    quiet: bool = QUIET,
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore the compiled snapshot cache."),
) -> None:
    """Every interface the origin can reach (the internet by default), with the open ports, the address it
    is reached on and the rules that admit it; riskiest first (admin ports, then databases)."""
    from flightpath.questions.exposure import exposure as run_exposure
    from flightpath.report.exposure_report import build_exposure_report, exposure_markdown, render_exposure
    from flightpath.topology import load_snapshot

    topo = load_snapshot(snapshot, use_cache=not no_cache)
    from flightpath.questions.batch import exposure_chunk

    with _progress_total("exposure", quiet) as report:
        result = run_exposure(topo, origin.strip(), protocol=_protocol(protocol), progress=report,
                              map_classes=_mapper(exposure_chunk, str(snapshot), workers, executor, report))
    if fmt is Format.json:
        import json

        _write_output(json.dumps(build_exposure_report(result, topo.info), indent=2) + "\n", output)
    elif fmt is Format.markdown:
        _write_output(exposure_markdown(result, topo.info), output)
    else:
        _render(render_exposure, result, topo.info, output)


def _protocol(text: str) -> int | None | str:
    from flightpath.model.protocols import protocol_number

    text = text.strip().lower()
    return "default" if text == "default" else None if text in ("all", "-1") else \
        protocol_number(text, "--protocol", for_flow=True)


def _render(view, result, info, output: Optional[Path]) -> None:
    from rich.console import Console

    if output is None:
        view(result, info, Console())
        return
    console = Console(record=True, width=160, file=open(os.devnull, "w"))
    view(result, info, console)
    _write_output(console.export_text(), output)


class CheckFormat(str, Enum):
    table = "table"
    json = "json"
    junit = "junit"
    markdown = "markdown"


@app.command()
def check(
    intents: Path = typer.Argument(..., help="YAML or JSON file of intents (flightpath schema intents)."),
    snapshot: Path = typer.Option(..., "--snapshot", "-s", envvar=SNAPSHOT_ENV, show_envvar=True,
                                  help="Snapshot folder (or any folder of cloud JSON dumps)."),
    fmt: CheckFormat = typer.Option(CheckFormat.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to FILE (atomically)."),
    workers: int = WORKERS,
    executor: Optional[str] = EXECUTOR,
    quiet: bool = QUIET,
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore the compiled snapshot cache."),
) -> None:
    """Check network intents (reachable / blocked / unreachable, via, blocked_by) against a snapshot.
    Exit 0 when every intent holds, 1 when any fails, 3 when any is undetermined (and none fails)."""
    from flightpath.questions.batch import check_chunk
    from flightpath.questions.check import exit_code
    from flightpath.questions.intents import load_intents
    from flightpath.report.check_report import build_check_report, check_markdown, junit_xml, render_check
    from flightpath.topology import load_snapshot

    parsed = load_intents(intents)
    topo = load_snapshot(snapshot, use_cache=not no_cache)  # here too: errors surface before any worker starts
    with _progress_total("check", quiet) as report:
        mapped = _mapper(check_chunk, str(snapshot), workers, executor, report)
        if mapped is not None:
            outcomes = mapped(parsed)
        else:
            from flightpath.questions.check import check as run_check

            outcomes = []
            for done, intent in enumerate(parsed, 1):
                outcomes += run_check(topo, [intent])
                report(done, len(parsed))
    if fmt is CheckFormat.json:
        import json

        _write_output(json.dumps(build_check_report(outcomes, topo.info, str(intents)), indent=2) + "\n", output)
    elif fmt is CheckFormat.junit:
        _write_output(junit_xml(outcomes, topo.info), output)
    elif fmt is CheckFormat.markdown:
        _write_output(check_markdown(outcomes, topo.info), output)
    else:
        _render(render_check, outcomes, topo.info, output)
    raise typer.Exit(exit_code(outcomes))


def _mapper(task, snapshot, workers: int, executor: Optional[str], report):
    """items -> results on worker processes or a dask cluster (batch.run), or None to stay in-process."""
    if workers <= 1 and not executor:
        return None
    from flightpath.questions.batch import run

    def mapped(items: list) -> list:
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            report(done[0], len(items))

        return run(task, snapshot, items, workers=workers, executor=executor, progress=advance)
    return mapped


@contextmanager
def _progress_total(label: str, quiet: bool):
    """A rich progress bar on stderr for batch work, shown only on a terminal and not with --quiet (transient:
    it disappears when the work is done, so stdout stays clean). Yields report(done, total)."""
    import sys

    if quiet or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True, refresh_per_second=4) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@app.command()
def diff(
    before: Path = typer.Argument(..., help="The snapshot before the change."),
    after: Path = typer.Argument(..., help="The snapshot after the change."),
    pairs: Optional[Path] = typer.Option(None, "--pairs", help="Flows to compare (an intents file; expect ignored)."),
    scope: str = typer.Option("", "--scope", help="'all': every pair of interface classes a change can touch."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to FILE (atomically)."),
    workers: int = WORKERS,
    executor: Optional[str] = EXECUTOR,
    quiet: bool = QUIET,
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore the compiled snapshot cache."),
) -> None:
    """What a change does: the raw changes (rules, routes, attachments), then the flows that are newly
    blocked, newly open or take another path. Exit 0 when no compared flow changed, 1 when some did."""
    from flightpath.errors import FlightpathError
    from flightpath.questions.diff import diff as run_diff
    from flightpath.questions.intents import load_intents
    from flightpath.report.diff_report import build_diff_report, diff_lines, diff_markdown
    from flightpath.topology import load_snapshot

    if (pairs is None) == (scope.strip().lower() != "all"):
        raise FlightpathError("diff: give exactly one of --pairs FILE or --scope all")
    wanted = load_intents(pairs) if pairs is not None else None
    tb, ta = load_snapshot(before, use_cache=not no_cache), load_snapshot(after, use_cache=not no_cache)
    from flightpath.questions.batch import diff_chunk

    with _progress_total("diff", quiet) as report:
        result = run_diff(tb, ta, pairs=wanted, scope="pairs" if wanted is not None else "all", progress=report,
                          map_pairs=_mapper(diff_chunk, (str(before), str(after)), workers, executor, report))
    if fmt is Format.json:
        import json

        _write_output(json.dumps(build_diff_report(result, tb.info, ta.info), indent=2) + "\n", output)
    elif fmt is Format.markdown:
        _write_output(diff_markdown(result, tb.info, ta.info), output)
    else:
        _write_output("\n".join(diff_lines(result)) + "\n", output)
    raise typer.Exit(1 if result.changed else 0)
