"""The rich terminal view: one row per hop, the verdict, the blocking rule highlighted, the return path."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from flightpath.evaluate.tracing import QueryResult
from flightpath.model.outcome import Decision, Hop, PathResult, Verdict
from flightpath.report.markdown import hop_detail
from flightpath.topology import SnapshotInfo

VERDICT_STYLE = {
    Verdict.DELIVERED: "bold green", Verdict.EXITED: "bold green", Verdict.BLOCKED: "bold red",
    Verdict.NO_ROUTE: "bold red", Verdict.UNASSIGNED: "bold red", Verdict.UNKNOWN: "bold yellow",
    Verdict.AMBIGUOUS: "bold yellow",
}
CHECK_LABEL = {"egress_filter": "egress", "ingress_filter": "ingress", "route_lookup": "route"}
DECISION_STYLE = {Decision.DENY: "red", Decision.DROP: "red", Decision.UNKNOWN: "yellow",
                  Decision.ALLOW: "green", Decision.DELIVER: "green", Decision.EXIT: "cyan",
                  Decision.TRANSLATE: "magenta"}


def _resource(h: Hop) -> Text:
    t = Text(h.resource.short_id)
    if h.resource.name and h.resource.name != h.resource.id:
        t.append(f" {h.resource.name}", style="italic cyan")
    return t


def path_table(title: str, p: PathResult) -> Table:
    table = Table(title=title, title_justify="left", expand=True, show_lines=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("resource", overflow="fold", ratio=3)
    table.add_column("check", no_wrap=True)
    table.add_column("decision", no_wrap=True)
    table.add_column("rule / route / reason", overflow="fold", ratio=6)
    for i, h in enumerate(p.hops, 1):
        style = "bold red on grey15" if h.blocking else None
        detail = Text(hop_detail(h) or h.reason)
        if hop_detail(h) and (h.blocking or "implicit" in h.reason or "tracked" in h.reason):
            detail.append(f"\n{h.reason}", style="dim")
        if h.code:
            detail.append(f" [{h.code}]", style="bold")
        table.add_row(str(i), _resource(h), CHECK_LABEL.get(h.check.value, h.check.value),
                      Text(h.decision.value, style=DECISION_STYLE.get(h.decision, "")), detail, style=style)
    return table


def render(result: QueryResult, info: SnapshotInfo, console: Console) -> None:
    t = result.trace
    head = Text()
    head.append(f"{result.source.label} → {result.destination.label}\n", style="bold")
    head.append(f"{t.flow.describe()}\n")
    if t.assumptions:
        head.append(f"assuming: {', '.join(t.assumptions)} (--assume; not what the snapshot says)\n", style="yellow")
    head.append("verdict: ")
    head.append(t.verdict.value, style=VERDICT_STYLE[t.verdict])
    head.append("  (reachable)" if t.reachable else "  (undetermined)" if t.verdict.undetermined else "  (not reachable)")
    head.append(f"\n{t.forward.reason if t.verdict == t.forward.verdict else 'return path: ' + t.reply.reason}")
    if t.first_block is not None:
        b = t.first_block
        head.append("\nblocked by: ", style="bold")
        head.append(f"{b.resource.type} {b.resource.short_id} {hop_detail(b) or b.reason}", style="bold red")
        if b.code:
            head.append(f" [{b.code}]")
    if len(t.blockers) > 1:
        head.append(f"\nall blockers ({len(t.blockers)}): " + "; ".join(
            f"{h.resource.short_id} {h.rule.label if h.rule else h.reason}" for h in t.blockers))
    parts = [Panel(head, title="flightpath", subtitle=f"snapshot {info.path} · {info.sha256[:12]}"),
             path_table("forward path", t.forward)]
    if t.reply is not None:
        parts.append(path_table(f"return path: {t.reply.verdict.value}", t.reply))
    if t.warnings:
        parts.append(Text("warnings:\n" + "\n".join(f"  • {w}" for w in t.warnings), style="yellow"))
    console.print(Group(*parts))
