"""The `check` report: JSON (flightpath.check/v1), JUnit XML (one testcase per intent: GitHub Actions,
GitLab and Jenkins show it natively), markdown and the terminal table."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from flightpath import __version__
from flightpath.questions.check import FAIL, PASS, UNKNOWN, Outcome
from flightpath.report.json_report import _resource
from flightpath.snapshot.cache import SnapshotInfo

CHECK_SCHEMA_ID = "flightpath.check/v1"


def build_check_report(outcomes: list[Outcome], info: SnapshotInfo, intents_path: str) -> dict[str, Any]:
    return {
        "schema": CHECK_SCHEMA_ID, "tool_version": __version__,
        "snapshot": {"path": info.path, "sha256": info.sha256}, "intents": intents_path,
        "summary": {s: sum(o.status == s for o in outcomes) for s in (PASS, FAIL, UNKNOWN)},
        "results": [{
            "name": o.intent.name, "status": o.status, "expect": o.intent.expect, "message": o.message,
            "pairs": [{"src": p.src, "dst": p.dst, "status": p.status, "verdict": p.verdict, "message": p.message,
                       "first_block": _resource(p.first_block.resource) if p.first_block else None}
                      for p in o.pairs]} for o in outcomes],
    }


def junit_xml(outcomes: list[Outcome], info: SnapshotInfo) -> str:
    """<testsuites><testsuite name="flightpath check"><testcase name=intent classname=snapshot>, a
    <failure> per failed intent (its message: the first failing pair and why) and an <error> per unknown."""
    suites = ET.Element("testsuites", name="flightpath check", tests=str(len(outcomes)),
                        failures=str(sum(o.status == FAIL for o in outcomes)),
                        errors=str(sum(o.status == UNKNOWN for o in outcomes)))
    suite = ET.SubElement(suites, "testsuite", name="flightpath check", tests=str(len(outcomes)),
                          failures=suites.get("failures"), errors=suites.get("errors"), skipped="0", time="0")
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="snapshot_sha256", value=info.sha256)
    for o in outcomes:
        case = ET.SubElement(suite, "testcase", name=o.intent.name, classname=f"flightpath.{info.path}", time="0")
        if o.status == FAIL:
            el = ET.SubElement(case, "failure", message=o.message, type="IntentFailed")
            el.text = "\n".join(f"{p.src} -> {p.dst}: {p.status}: {p.message}" for p in o.pairs if p.status != PASS)
        elif o.status == UNKNOWN:
            el = ET.SubElement(case, "error", message=o.message, type="Undetermined")
            el.text = "\n".join(f"{p.src} -> {p.dst}: {p.message}" for p in o.pairs if p.status == UNKNOWN)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def check_markdown(outcomes: list[Outcome], info: SnapshotInfo) -> str:
    counts = {s: sum(o.status == s for o in outcomes) for s in (PASS, FAIL, UNKNOWN)}
    lines = [f"## flightpath check: {counts[PASS]} pass, {counts[FAIL]} fail, {counts[UNKNOWN]} unknown", "",
             f"Snapshot `{info.path}` (sha256 `{info.sha256[:16]}…`)", "", "| intent | expect | status | detail |",
             "|---|---|---|---|"]
    for o in outcomes:
        lines.append(f"| {o.intent.name} | {o.intent.expect} | **{o.status}** | {o.message.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def render_check(outcomes: list[Outcome], info: SnapshotInfo, console) -> None:
    from rich.table import Table
    from rich.text import Text

    style = {PASS: "green", FAIL: "bold red", UNKNOWN: "yellow"}
    table = Table(expand=True)
    table.add_column("intent", overflow="fold", ratio=2)
    table.add_column("expect", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("detail", overflow="fold", ratio=4)
    for o in outcomes:
        table.add_row(o.intent.name, o.intent.expect, Text(o.status, style=style[o.status]), o.message)
    console.print(table)
    counts = {s: sum(o.status == s for o in outcomes) for s in (PASS, FAIL, UNKNOWN)}
    console.print(Text(f"{counts[PASS]} pass, {counts[FAIL]} fail, {counts[UNKNOWN]} unknown",
                       style="bold red" if counts[FAIL] else "yellow" if counts[UNKNOWN] else "bold green"))
