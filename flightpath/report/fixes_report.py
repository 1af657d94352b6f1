"""Fix suggestions in the trace report (`"fixes"` in JSON, a section in markdown and the terminal view)."""

from __future__ import annotations

from typing import Any

from flightpath.questions.fixes import Fix, NoSafeFix
from flightpath.report.json_report import _resource


def fix_json(f: Fix | NoSafeFix) -> dict[str, Any]:
    if isinstance(f, NoSafeFix):
        return {"kind": "no_safe_fix", "path": f.path, "reason": f.reason, "options": list(f.options),
                "blocker": _resource(f.blocker.resource) if f.blocker else None}
    r = f.rule
    return {"kind": "add_rule", "path": f.path, "blocker": _resource(f.blocker.resource),
            "rule_set": _resource(f.rule_set.ref), "direction": r.direction.value, "priority": r.priority,
            "rule": r.describe(), "command": f.command or None, "note": f.note or None}


def fixes_json(fixes: list[Fix | NoSafeFix], verdict_after) -> dict[str, Any]:
    return {"suggestions": [fix_json(f) for f in fixes], "verdict_with_fixes": verdict_after.value}


def fix_lines(fixes: list[Fix | NoSafeFix], verdict_after) -> list[str]:
    """Plain lines (markdown and terminal): one per suggestion, the command indented below it."""
    lines = []
    for i, f in enumerate(fixes, 1):
        if isinstance(f, NoSafeFix):
            lines.append(f"{i}. ({f.path}) no single safe change: {f.reason}")
            lines += [f"   - {o}" for o in f.options]
            continue
        lines.append(f"{i}. ({f.path}) {f.rule_set.ref.display()}: {f.rule.describe()}"
                     + (f" at {f.rule.priority}" if f.rule.priority else ""))
        if f.command:
            lines.append(f"   {f.command}")
        if f.note:
            lines.append(f"   note: {f.note}")
    lines.append(f"With these changes the trace is {verdict_after.value} (re-traced on the snapshot).")
    return lines
