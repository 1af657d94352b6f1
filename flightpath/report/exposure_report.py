"""The `exposure` report: JSON (flightpath.exposure/v1, schemas/exposure-v1.json), markdown, rich table."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from flightpath import __version__
from flightpath.questions.exposure import Exposed, ExposureResult
from flightpath.report.json_report import _resource
from flightpath.report.reach_report import _segment, reach_schema
from flightpath.snapshot.cache import SnapshotInfo

EXPOSURE_SCHEMA_ID = "flightpath.exposure/v1"


def exposure_schema() -> dict[str, Any]:
    own = json.loads(resources.files("flightpath.report").joinpath("schemas/exposure-v1.json").read_text())
    own["$defs"] = {**reach_schema()["$defs"], **own["$defs"]}
    return own


def _item(x: Exposed) -> dict[str, Any]:
    i = x.interface
    return {"interface": _resource(i.ref), "instance": _resource(i.instance) if i.instance else None,
            "address": str(x.address), "private_address": str(x.private), "open": x.open, "risk": x.risk,
            "risky_ports": x.risky_ports, "class_size": x.class_size, "segments": [_segment(s) for s in x.segments],
            "restricted": [{"from": cidr, "open": summary, "segments": [_segment(s) for s in segs]}
                           for cidr, summary, segs in x.restricted]}


def build_exposure_report(result: ExposureResult, info: SnapshotInfo) -> dict[str, Any]:
    return {
        "schema": EXPOSURE_SCHEMA_ID, "tool_version": __version__,
        "snapshot": {"path": info.path, "sha256": info.sha256},
        "origin": result.origin, "source_address": result.source_label,
        "candidates": result.candidates, "classes": result.classes, "reach_runs": result.reach_runs,
        "split_classes": result.split_classes, "exposed": [_item(x) for x in result.exposed],
        "warnings": list(dict.fromkeys(result.warnings + [f"snapshot: {w}" for w in info.warnings])),
    }


def _name(x: Exposed) -> str:
    i = x.interface
    label = i.instance.name if i.instance and i.instance.name else i.ref.name
    return f"{i.ref.short_id}" + (f" ({label})" if label else "")


def _rules(x: Exposed) -> str:
    segments = x.segments + [s for _c, _o, segs in x.restricted for s in segs]
    return ", ".join(dict.fromkeys(f"{r.resource.short_id} {r.label}" for s in segments for r in s.admitted_by))


def _open(x: Exposed) -> str:
    """'tcp 443 (any client); from 192.0.2.0/24: tcp 22, 443'."""
    parts = [f"{x.open} (any client)"] if x.open != "nothing" else []
    parts += [f"from {cidr}: {summary}" for cidr, summary, _s in x.restricted]
    return "; ".join(parts)


def exposure_markdown(result: ExposureResult, info: SnapshotInfo) -> str:
    lines = [f"## flightpath exposure: what {result.origin} can reach", "",
             f"- **{len(result.exposed)} exposed** of {result.candidates} candidate addresses "
             f"({result.classes} classes, {result.reach_runs} reach runs)",
             f"- Snapshot: `{info.path}` (sha256 `{info.sha256[:16]}…`)", "",
             "| risk | interface | address | open | risky ports | admitted by |", "|---|---|---|---|---|---|"]
    for x in result.exposed:
        lines.append(f"| {x.risk} | `{_name(x)}` | {x.address} | {_open(x)} | {', '.join(x.risky_ports)} | "
                     f"{_rules(x)} |")
    if result.warnings:
        lines += ["", "### Warnings", ""] + [f"- {w}" for w in result.warnings]
    return "\n".join(lines) + "\n"


def render_exposure(result: ExposureResult, info: SnapshotInfo, console) -> None:
    from rich.table import Table
    from rich.text import Text

    console.print(Text(f"what {result.origin} can reach: {len(result.exposed)} of {result.candidates} addresses",
                       style="bold red" if result.exposed else "bold green"))
    table = Table(expand=True)
    for col, kw in (("risk", {"justify": "right", "no_wrap": True}), ("interface", {"overflow": "fold", "ratio": 2}),
                    ("address", {"no_wrap": True}), ("open", {"overflow": "fold", "ratio": 2}),
                    ("admitted by", {"overflow": "fold", "ratio": 3})):
        table.add_column(col, **kw)
    for x in result.exposed:
        risky = f"\n{', '.join(x.risky_ports)}" if x.risky_ports else ""
        table.add_row(str(x.risk), _name(x), str(x.address), Text(_open(x)) + Text(risky, style="bold red"), _rules(x))
    console.print(table)
    for w in result.warnings:
        console.print(Text(f"warning: {w}", style="yellow"))
    console.print(Text(f"{result.classes} equivalence classes, {result.reach_runs} reach runs, "
                       f"{result.split_classes} classes computed member by member", style="dim"))
