"""The markdown view of a trace, for tickets."""

from __future__ import annotations

from flightpath.evaluate.tracing import QueryResult
from flightpath.model import Hop, PathResult
from flightpath.snapshot.cache import SnapshotInfo


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def hop_detail(h: Hop) -> str:
    if h.rule is not None:
        where = h.rule.resource.short_id
        label = "" if where.endswith("/" + h.rule.label) else f" {h.rule.label}"
        return f"{where}{label}: {h.rule.summary}"
    if h.route is not None:
        return f"{h.route.table.short_id}: {h.route.summary} ({h.route.origin})"
    return ""


def _md_path(title: str, p: PathResult) -> list[str]:
    lines = [f"### {title}: **{p.verdict.value}**", "", f"{p.reason}", "",
             "| # | resource | check | decision | rule / route | reason | code |", "|---|---|---|---|---|---|---|"]
    for i, h in enumerate(p.hops, 1):
        mark = "**" if h.blocking else ""
        lines.append(f"| {i} | {mark}{_cell(h.resource.type)} `{h.resource.short_id}`"
                     f"{' (' + _cell(h.resource.name) + ')' if h.resource.name else ''}{mark} | {h.check.value} | "
                     f"{mark}{h.decision.value}{mark} | {_cell(hop_detail(h))} | {_cell(h.reason)} | {h.code} |")
    return lines + [""]


def markdown(result: QueryResult, info: SnapshotInfo) -> str:
    t = result.trace
    lines = [f"## flightpath: {_cell(str(result.query.src))} → {_cell(str(result.query.dst))}", "",
             f"- Resolved: {_cell(result.source.label)} → {_cell(result.destination.label)}"]
    if t.assumptions:
        lines.append(f"- **Assuming: {', '.join(t.assumptions)}** (--assume; not what the snapshot says)")
    lines += [f"- **Verdict: {t.verdict.value}**" + ("" if t.reachable else " (undetermined)" if t.verdict.undetermined else " (not reachable)"),
             f"- Flow: `{t.flow.describe()}`",
             f"- Snapshot: `{info.path}` (sha256 `{info.sha256[:16]}…`)"]
    if t.first_block is not None:
        b = t.first_block
        lines.append(f"- First block: {b.resource.type} `{b.resource.short_id}`: {hop_detail(b) or b.reason}"
                     + (f" (`{b.code}`)" if b.code else ""))
    if len(t.blockers) > 1:
        lines.append(f"- All blockers ({len(t.blockers)}): " + "; ".join(f"`{h.resource.short_id}` {hop_detail(h) or h.reason}"
                                                                       for h in t.blockers))
    lines.append("")
    lines += _md_path("Forward path", t.forward)
    if t.reply is not None:
        lines += _md_path("Return path", t.reply)
    from flightpath.report.diagram import mermaid

    lines += ["### Path diagram", "", mermaid(t.forward, t.reply), ""]
    warnings = list(dict.fromkeys(list(t.warnings) + [f"snapshot: {w}" for w in info.warnings]))
    if warnings:
        lines += ["### Warnings", ""] + [f"- {_cell(w)}" for w in warnings] + [""]
    lines.append(f"_Replay: `flightpath trace {result.query.src} {result.query.dst} --snapshot {info.path}"
                 f" --protocol {t.flow.to_json()['protocol']}"
                 + (f" --port {t.flow.dst_port}" if t.flow.dst_port is not None else "") + "`_")
    return "\n".join(lines) + "\n"
