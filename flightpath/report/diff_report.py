"""The `diff` report: the raw changes first, then the flows whose outcome changed (JSON flightpath.diff/v1,
markdown, terminal)."""

from __future__ import annotations

from typing import Any

from flightpath import __version__
from flightpath.questions.diff import DiffResult
from flightpath.report.json_report import _path
from flightpath.snapshot.cache import SnapshotInfo

DIFF_SCHEMA_ID = "flightpath.diff/v1"


def build_diff_report(result: DiffResult, before: SnapshotInfo, after: SnapshotInfo) -> dict[str, Any]:
    return {
        "schema": DIFF_SCHEMA_ID, "tool_version": __version__,
        "before": {"path": before.path, "sha256": before.sha256}, "after": {"path": after.path, "sha256": after.sha256},
        "scope": result.scope, "pairs_compared": result.pairs_compared, "note": result.note,
        "raw": [{"collection": c.collection, "id": c.id, "change": c.change, "details": c.details} for c in result.raw],
        "flows": [{"src": f.src, "dst": f.dst, "what": f.what, "kind": f.kind, "before": f.before, "after": f.after,
                   "before_forward": _path(f.before_trace.forward, "forward") if f.before_trace else None,
                   "after_forward": _path(f.after_trace.forward, "forward") if f.after_trace else None}
                  for f in result.changed],
    }


def diff_lines(result: DiffResult) -> list[str]:
    lines = [f"raw changes ({len(result.raw)}):"]
    for c in result.raw:
        lines.append(f"  {c.change} {c.collection} {c.id}")
        lines += [f"      {d}" for d in c.details]
    changed = result.changed
    lines.append(f"flows that changed ({len(changed)} of {result.pairs_compared} compared):")
    for f in changed:
        lines.append(f"  {f.kind}: {f.src} -> {f.dst} ({f.what}): {f.before}  =>  {f.after}")
    if result.note:
        lines.append(result.note)
    return lines


def diff_markdown(result: DiffResult, before: SnapshotInfo, after: SnapshotInfo) -> str:
    lines = [f"## flightpath diff: `{before.path}` → `{after.path}`", "", "### Raw changes", ""]
    for c in result.raw:
        lines.append(f"- {c.change} {c.collection} `{c.id}`" + "".join(f"\n  - `{d}`" for d in c.details))
    lines += ["", f"### Flows that changed ({len(result.changed)} of {result.pairs_compared} compared)", "",
              "| kind | from | to | traffic | before | after |", "|---|---|---|---|---|---|"]
    for f in result.changed:
        lines.append(f"| {f.kind} | {f.src} | {f.dst} | {f.what} | {f.before} | {f.after} |")
    if result.note:
        lines += ["", result.note]
    return "\n".join(lines) + "\n"
