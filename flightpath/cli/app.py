"""The `flightpath` command. The only place that turns errors into messages and exit codes.

Exit codes (DESIGN.md): 0 reachable (delivered/exited), 1 not reachable, 2 bad input, 3 unknown or
ambiguous (and, for `collect`, some calls failed). Diagnostics go to stderr so JSON on stdout stays clean.
Heavy modules (the evaluator, rich rendering, any SDK) are imported inside the commands, so that
`flightpath --help` stays fast.
"""

from __future__ import annotations

import os
import sys
import tempfile
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from flightpath import __version__
from flightpath.errors import FlightpathError

app = typer.Typer(
    name="flightpath", add_completion=True, no_args_is_help=True, rich_markup_mode=None,
    help="Why can't A talk to B? Trace a packet hop by hop through a snapshot of your clouds.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


SNAPSHOT_ENV = "FLIGHTPATH_SNAPSHOT"  # the default for --snapshot


EXIT_REACHABLE, EXIT_NOT_REACHABLE, EXIT_BAD_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3


def check_output(output: Optional[Path]) -> None:
    """Refuse an --output that cannot be written before any work is done: one line naming the user's path."""
    if output is None:
        return
    if output.is_dir():
        raise FlightpathError(f"--output {output}: is a folder; give a file name")
    parent = output.absolute().parent
    if not parent.is_dir():
        raise FlightpathError(f"--output {output}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise FlightpathError(f"--output {output}: permission denied (cannot create files in {parent})")
    if output.exists() and (not os.access(output, os.W_OK) or not output.stat().st_mode & 0o222):
        raise FlightpathError(f"--output {output}: the file is read-only")  # (root ignores the bits: we do not)


def _write_output(text: str, output: Optional[Path]) -> None:
    """stdout, or FILE written atomically (a temp file renamed over it: never half-written)."""
    if output is None:
        sys.stdout.write(text)
        return
    check_output(output)
    parent = output.absolute().parent
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{output.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, output)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise FlightpathError(f"--output {output}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise


def load_with_progress(snapshot: Path, use_cache: bool = True, quiet: bool = False):
    """load_snapshot, with a spinner on stderr once the load has taken a second (not with --quiet, and
    not when stderr is not a terminal: CI logs and pipes stay clean)."""
    from flightpath.topology import load_snapshot

    if quiet or not sys.stderr.isatty():
        return load_snapshot(snapshot, use_cache=use_cache)
    import threading

    from rich.console import Console

    status = Console(stderr=True).status(f"loading snapshot {snapshot} ...")
    timer = threading.Timer(1.0, status.start)
    timer.daemon = True
    timer.start()
    try:
        return load_snapshot(snapshot, use_cache=use_cache)
    finally:
        timer.cancel()
        status.stop()


@app.command()
def trace(
    src: str = typer.Argument(..., help="Instance id or Name, interface id, private/public IP, or 'internet'."),
    dst: str = typer.Argument(..., help="Like SRC; any IP (an address outside the estate ends 'exited')."),
    snapshot: Path = typer.Option(..., "--snapshot", "-s", envvar=SNAPSHOT_ENV, show_envvar=True,
                                  help="Snapshot folder (or any folder of cloud JSON dumps)."),
    protocol: str = typer.Option("tcp", "--protocol", "-p", help="tcp, udp, icmp, icmpv6, all, or an IANA number 0-255."),
    port: Optional[int] = typer.Option(None, "--port", help="Destination port (required for tcp/udp)."),
    src_port: Optional[int] = typer.Option(None, "--src-port", help="Source port [default: 49152, an ephemeral port]."),
    icmp_type: Optional[int] = typer.Option(None, "--icmp-type", help="ICMP type [default: 8, echo request]."),
    icmp_code: Optional[int] = typer.Option(None, "--icmp-code", help="ICMP code [default: 0]."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to FILE (atomically)."),
    all_blockers: bool = typer.Option(False, "--all-blockers", help="Continue past each block and list every blocker."),
    no_return: bool = typer.Option(False, "--no-return", help="Do not evaluate the return path."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore the compiled snapshot cache."),
    assume: list[str] = typer.Option([], "--assume", help="Assume where the snapshot is incomplete or stale "
                                     "(repeatable): default-nacls, tunnels-up. Recorded in the report."),
    fix: bool = typer.Option(False, "--fix", help="Suggest the smallest rule per blocker (all of them with "
                                                  "--all-blockers), as the cloud's CLI command, re-traced to verify."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Table view: every hop's full detail (the compact "
                                                                "default shows one line per hop)."),
    wide: bool = typer.Option(False, "--wide", "-w", help="Table view: do not wrap; lines as long as the content."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress indicator on stderr."),
) -> None:
    """Trace one packet from SRC to DST and say where it stops and which rule or route stops it."""
    from flightpath.evaluate import Query, run_query
    from flightpath.evaluate.tracing import check_assumptions
    from flightpath.model import Verdict
    from flightpath.report import build_report, markdown

    assumed = check_assumptions(assume)  # a bad name fails before the snapshot loads
    check_output(output)
    if fmt is Format.html and output is None:
        raise FlightpathError("--format html needs --output FILE (one self-contained .html file)")
    topo = load_with_progress(snapshot, use_cache=not no_cache, quiet=quiet)
    query = Query(src, dst, protocol, port, src_port, icmp_type, icmp_code, all_blockers, not no_return, assumed)
    result = run_query(topo, query)
    fixes = None
    if fix:
        from flightpath.cli.questions import suggest_fixes

        fixes = suggest_fixes(topo, query, result)
    if fmt is Format.json:
        import json

        report = build_report(result, topo.info)
        if fixes is not None:
            report["fixes"] = fixes.json
        _write_output(json.dumps(report, indent=2) + "\n", output)
    elif fmt is Format.markdown:
        extra = "" if fixes is None else "\n### Fixes\n\n" + "\n".join(fixes.lines) + "\n"
        _write_output(markdown(result, topo.info) + extra, output)
    elif fmt is Format.html:
        from flightpath.report.html import render_html

        _write_output(render_html(result, topo.info, fixes.lines if fixes is not None else None, topo.estate), output)
    else:
        from rich.console import Console

        from flightpath.report.terminal import render

        width = 10_000 if wide else (160 if output is not None else None)
        console = (Console(width=width, soft_wrap=wide) if output is None else
                   Console(record=True, width=width, file=open(os.devnull, "w")))
        render(result, topo.info, console, verbose=verbose, wide=wide)
        if fixes is not None:
            console.print("fixes:", style="bold")
            for line in fixes.lines:
                console.print(line, markup=False, highlight=False, soft_wrap=True)
        if output is not None:
            _write_output(console.export_text(), output)
    verdict = result.trace.verdict
    if verdict in (Verdict.UNKNOWN, Verdict.AMBIGUOUS):
        raise typer.Exit(EXIT_UNKNOWN)
    raise typer.Exit(EXIT_REACHABLE if verdict.reachable else EXIT_NOT_REACHABLE)


@app.command()
def endpoints(
    snapshot: Path = typer.Option(..., "--snapshot", "-s", envvar=SNAPSHOT_ENV, show_envvar=True,
                                  help="Snapshot folder."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table or json."),
    wide: bool = typer.Option(False, "--wide", "-w", help="Every column in full (the default fits 100 columns)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress indicator on stderr."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ignore the compiled snapshot cache."),
) -> None:
    """List instances and interfaces (id, name, IPs, subnet, network, account, region) to trace between."""
    from flightpath.report.endpoints_table import render_endpoints
    from flightpath.snapshot.inventory import endpoint_rows

    if fmt not in (Format.table, Format.json):
        raise FlightpathError(f"endpoints: --format {fmt.value} is not offered (table or json)")
    topo = load_with_progress(snapshot, use_cache=not no_cache, quiet=quiet)
    rows = endpoint_rows(topo.estate)
    if fmt is Format.json:
        import json

        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        render_endpoints(rows, topo.info.warnings, wide=wide)


class SchemaName(str, Enum):
    report = "report"
    reach = "reach"
    exposure = "exposure"
    intents = "intents"


@app.command()
def schema(name: SchemaName = typer.Argument(SchemaName.report,
                                             help="report (the trace report), reach, exposure or intents.")) -> None:
    """Print a JSON Schema: the trace report flightpath.report/v1 (default), flightpath.reach/v1,
    flightpath.exposure/v1, or the intents file of `flightpath check`."""
    import json

    if name is SchemaName.reach:
        from flightpath.report.reach_report import reach_schema as chosen
    elif name is SchemaName.intents:
        from flightpath.questions.intents import intents_schema as chosen
    elif name is SchemaName.exposure:
        from flightpath.report.exposure_report import exposure_schema as chosen
    else:
        from flightpath.report import schema as chosen
    sys.stdout.write(json.dumps(chosen(), indent=2) + "\n")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"flightpath {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    pass


def _register_collectors() -> None:
    """Live collectors' commands: `flightpath.cli.collect_<cloud>` for every cloud that has one (typer
    objects only; each SDK loads inside its command, so `--help` stays fast)."""
    import importlib

    from flightpath.cli.collect import collect_app, permissions_app
    from flightpath.snapshot.folder import CLOUDS

    for cloud in CLOUDS:
        name = f"flightpath.cli.collect_{cloud}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    app.add_typer(collect_app, name="collect", help="Collect a live estate into a snapshot folder.")
    app.add_typer(permissions_app, name="permissions", help="Print the read-only permissions a collector needs.")


_register_collectors()
from flightpath.cli import questions as _questions  # noqa: E402,F401  (registers reach on the app)


_COMMAND = None


def _command():
    """The click command typer builds from `app`, built once: typer rebuilds it on every `app(...)` call, which
    is ~30 ms of each in-process run (tests, the fuzzer), more than loading a small snapshot."""
    global _COMMAND
    if _COMMAND is None:
        _COMMAND = typer.main.get_command(app)
    return _COMMAND


def run(argv: Optional[list[str]] = None) -> int:
    """Run one command in this process and return its exit code (what main() exits with). One-line
    errors on stderr, exit codes per DESIGN.md, no traceback for bad input. Tests call this directly."""
    args = sys.argv[1:] if argv is None else list(argv)
    if not args:  # bare `flightpath`: the help, as git prints it
        args = ["--help"]
    try:
        code = _command()(args=args, prog_name="flightpath", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except FlightpathError as exc:
        sys.stderr.write(f"flightpath: error: {' '.join(str(exc).split())}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("flightpath: interrupted\n")
        return 130
    except typer.Abort:
        sys.stderr.write("flightpath: aborted\n")
        return 130
    except Exception as exc:  # usage errors (click's, or typer's vendored click) and the unexpected
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            message = " ".join(str(exc.format_message()).split())
            sys.stderr.write(f"flightpath: error: {message}\n")
            return EXIT_BAD_INPUT if exc.exit_code in (1, 2) else exc.exit_code
        if os.environ.get("FLIGHTPATH_DEBUG"):
            raise
        sys.stderr.write(f"flightpath: internal error: {type(exc).__name__}: {exc} "
                         "(set FLIGHTPATH_DEBUG=1 for the traceback; please report it)\n")
        return 70


def main() -> None:
    """Entry point: run(), then exit without the interpreter's teardown."""
    code = run()
    if code not in (EXIT_REACHABLE, EXIT_NOT_REACHABLE, EXIT_UNKNOWN):  # errors: the normal exit
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            pass
        sys.exit(code)
    # Done: skip the interpreter's teardown, which on a large estate spends seconds freeing millions of
    # objects that the OS reclaims at once. Everything written has been closed; flush the streams.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (`| head`): nothing more to say
        pass
    os._exit(code)


if __name__ == "__main__":
    main()
