"""The `reach` report: JSON (flightpath.reach/v1, validated by schemas/reach-v1.json), markdown and the
rich terminal table."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from flightpath import __version__
from flightpath.model.protocols import protocol_name
from flightpath.questions.reach import ReachResult, Segment, span_text
from flightpath.report.json_report import _endpoint, _resource, hop_json
from flightpath.report.json_report import schema as report_schema
from flightpath.snapshot.cache import SnapshotInfo

REACH_SCHEMA_ID = "flightpath.reach/v1"


def reach_schema() -> dict[str, Any]:
    """reach-v1.json with the shared definitions of the trace report merged in."""
    own = json.loads(resources.files("flightpath.report").joinpath("schemas/reach-v1.json").read_text())
    shared = report_schema()
    own["$defs"] = {**shared["$defs"], "snapshot": shared["properties"]["snapshot"], **own["$defs"]}
    return own


def _rule(r) -> dict[str, Any]:
    return {"resource": _resource(r.resource), "label": r.label, "action": r.action, "summary": r.summary}


def _route(r) -> dict[str, Any]:
    return {"table": _resource(r.table), "destination": r.destination, "target": r.target, "origin": r.origin,
            "summary": r.summary}


def _segment(s: Segment) -> dict[str, Any]:
    return {
        "description": s.describe(), "protocol": protocol_name(s.protocol), "protocol_number": s.protocol,
        "dst_ports": list(s.dst_ports) if s.dst_ports else None,
        "src_ports": list(s.src_ports) if s.src_ports else None,
        "icmp_types": list(s.icmp_types) if s.icmp_types else None,
        "icmp_codes": list(s.icmp_codes) if s.icmp_codes else None,
        "verdict": s.verdict.value, "reachable": s.reachable, "reason": s.reason,
        "blocker": hop_json(s.blocker, 1, "forward") if s.blocker else None,
        "admitted_by": [_rule(r) for r in s.admitted_by],
        "routes": [_route(r) for r in dict.fromkeys(s.routes)],
        "sample_flow": s.sample.to_json(),
    }


def build_reach_report(result: ReachResult, info: SnapshotInfo, query: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": REACH_SCHEMA_ID, "tool_version": __version__,
        "snapshot": {"path": info.path, "sha256": info.sha256}, "query": query,
        "source": _endpoint(result.source), "destination": _endpoint(result.destination),
        "src_ports": list(result.src_ports) if result.src_ports else None,
        "open": result.summary, "traces": result.traces,
        "segments": [_segment(s) for s in result.segments],
        "warnings": list(dict.fromkeys(result.warnings + [f"snapshot: {w}" for w in info.warnings])),
    }


def _outcome(s: Segment) -> str:
    if s.reachable:
        rules = ", ".join(dict.fromkeys(f"{r.resource.short_id} {r.label}" for r in s.admitted_by))
        return f"admitted by {rules}" if rules else "nothing filters it"
    if s.blocker is not None:
        b = s.blocker
        where = (f"{b.rule.resource.short_id} {b.rule.label}: {b.rule.summary}" if b.rule
                 else f"{b.resource.short_id}: {b.reason}")
        return where + (f" [{b.code}]" if b.code else "")
    return s.reason


def _src_note(s: Segment, result: ReachResult) -> str:
    if s.src_ports is None or s.src_ports == result.src_ports:
        return ""
    return f"from source ports {span_text(s.src_ports)}"


def reach_markdown(result: ReachResult, info: SnapshotInfo) -> str:
    lines = [f"## flightpath reach: {result.source.label} → {result.destination.label}", "",
             f"- **Open: {result.summary}**",
             f"- Client source ports: {span_text(result.src_ports) if result.src_ports else 'n/a'}",
             f"- Snapshot: `{info.path}` (sha256 `{info.sha256[:16]}…`), {result.traces} traces", "",
             "| traffic | verdict | admitted by / blocked by |", "|---|---|---|"]
    for s in result.segments:
        note = _src_note(s, result)
        outcome = _outcome(s).replace("|", "\\|")
        lines.append(f"| {s.describe()}{' (' + note + ')' if note else ''} | {s.verdict.value} | {outcome} |")
    if result.warnings:
        lines += ["", "### Warnings", ""] + [f"- {w}" for w in result.warnings]
    return "\n".join(lines) + "\n"


def render_reach(result: ReachResult, info: SnapshotInfo, console) -> None:
    from rich.table import Table
    from rich.text import Text

    console.print(Text(f"{result.source.label} → {result.destination.label}", style="bold"))
    head = Text("open: ")
    head.append(result.summary, style="bold green" if result.open_segments else "bold red")
    console.print(head)
    table = Table(expand=True, title_justify="left")
    table.add_column("traffic", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("admitted by / blocked by", overflow="fold", ratio=4)
    for s in result.segments:
        note = _src_note(s, result)
        style = "green" if s.reachable else "red" if s.verdict.value in ("blocked", "no_route", "unassigned") \
            else "yellow"
        table.add_row(s.describe() + (f"\n{note}" if note else ""), Text(s.verdict.value, style=style), _outcome(s))
    console.print(table)
    for w in result.warnings:
        console.print(Text(f"warning: {w}", style="yellow"))
    console.print(Text(f"{result.traces} traces; client source ports "
                       f"{span_text(result.src_ports) if result.src_ports else 'n/a'}", style="dim"))
