"""The rich terminal view: the verdict, then one line per hop (compact default) or today's detailed
table (--verbose); the blocking rule highlighted; the return path.

Ids are never cut: the resource column is sized to its longest id and does not wrap; the detail column
wraps by whole words. `--wide` turns wrapping off altogether (the console is as wide as the content).
With --all-blockers, hops after the first block were evaluated as if that block were fixed: they are
marked `~` and the return path of a blocked trace is titled hypothetical.
"""

from __future__ import annotations

import re

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from flightpath.evaluate.tracing import QueryResult
from flightpath.model.outcome import Decision, Hop, PathResult, Verdict
from flightpath.report.markdown import hop_detail
from flightpath.report.names import compact_id, display, display_id
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
AS_IF_FIXED = "~"


def _resource(h: Hop, with_name: bool = True) -> Text:
    t = Text(display_id(h.resource))
    if with_name and h.resource.name and h.resource.name != h.resource.id and not t.plain.endswith(h.resource.name):
        t.append(f" {h.resource.name}", style="italic cyan")
    return t


def _as_if_fixed(p: PathResult) -> set[int]:
    """Indexes of hops evaluated after an earlier block (--all-blockers continues as if it were fixed)."""
    out: set[int] = set()
    blocked = False
    for i, h in enumerate(p.hops):
        if blocked:
            out.add(i)
        blocked = blocked or h.blocking
    return out


def _renamed(text: str, h: Hop) -> str:
    """The evaluator's texts name resources by their short ids (`subnets/x`): the view's names instead."""
    for ref in (h.resource, h.rule.resource if h.rule else None, h.route.table if h.route else None):
        if ref is not None and "/" in ref.short_id and ref.short_id != display_id(ref):
            text = text.replace(ref.short_id, display_id(ref))
    return text


def _compact_named(text: str, h: Hop) -> str:
    """The compact view's text with OCIDs replaced by display names (compact_id); a rule label that
    already starts with its list's name (`sl-app egress 1`) is not prefixed with it again."""
    for ref in (h.resource, h.rule.resource if h.rule else None, h.route.table if h.route else None):
        if ref is not None and compact_id(ref) != display_id(ref):
            if h.rule is not None and ref is h.rule.resource and h.rule.label.startswith(ref.name + " "):
                text = text.replace(f"{ref.short_id} {h.rule.label}", h.rule.label)
            text = text.replace(f"{ref.short_id} ({ref.name})", ref.name).replace(ref.short_id, compact_id(ref))
    return text


def _rule_text(h: Hop) -> str:
    return _compact_named(_renamed(_rule_text_raw(h), h), h)


def _rule_text_raw(h: Hop) -> str:
    detail = hop_detail(h)
    if not detail:
        return h.reason
    if h.route is not None and display_id(h.route.table) == display_id(h.resource):
        return f"{h.route.summary} ({h.route.origin})"
    if h.rule is not None:  # the rule's resource is usually the hop's own: say only the rule
        where = display_id(h.rule.resource)
        if where == display_id(h.resource):
            label = "" if where.endswith("/" + h.rule.label) else f"{h.rule.label}: "
            return f"{label}{h.rule.summary}"
    return detail


def _terse_text(h: Hop) -> str:
    """The compact view's short form when the full text would wrap: which rule or route, not what it
    matches (--verbose has that); a reason without its parenthesised names (the ids stay whole)."""
    if h.route is not None:
        return h.route.summary
    if h.rule is not None:
        where, label = display_id(h.rule.resource), h.rule.label
        if where == display_id(h.resource) or where.endswith("/" + label):
            return label if not where.endswith("/" + label) else where
        return _compact_named(f"{h.rule.resource.short_id} {label}", h)
    return _compact_named(re.sub(r" \([^()]*\)", "", _renamed(h.reason, h)), h)


def _whole_words(text: str, room: int) -> str:
    """A reason shortened to whole words that fit, marked `…` (--verbose prints it all); never an id cut."""
    words, out = text.split(), ""
    for w in words:
        if len(out) + len(w) + 3 > room:
            return (out + " …") if out else text
        out = f"{out} {w}" if out else w
    return out


def compact_table(title: str, p: PathResult, hypothetical: set[int], width: int = 10_000):
    """One line per hop: #, resource, decision, the rule or route. A hop whose full rule text would wrap
    beside the id gets its short form (_terse_text), and a blocking hop drops its code (the header names
    it). Where the console is too narrow even so, the text goes under the id: ids and words are never cut."""
    decisions = []
    for h in p.hops:
        check = CHECK_LABEL.get(h.check.value, h.check.value)
        plain = check in ("start", "forward") or h.decision.value in ("forward", check)
        decisions.append(h.decision.value if plain else f"{check} {h.decision.value}")
    w_res = max([len(compact_id(h.resource)) for h in p.hops] + [8])
    w_dec = max([len(d) for d in decisions] + [8])
    longest_word = max([len(w) for h in p.hops for w in _rule_text(h).split()] + [12]) + 10  # + code / marker
    side_by_side = 4 + w_res + w_dec + longest_word + 6 <= width
    # beside the id: the other columns, their padding (1 each side, none at the edges) and SIMPLE_HEAD's
    # 3 separators; under the id (too narrow to sit beside it): the line less its 6-space indent
    room = width - (max(3, len(str(len(p.hops))) + 1) + w_res + w_dec + 10) if side_by_side else width - 6
    texts, codes = [], []
    for h in p.hops:
        full, code = _rule_text(h), f" [{h.code}]" if h.code else ""
        tail = len(code) + (len("  ← blocks") if h.blocking else 0)
        if len(full) + tail > room:
            full = _terse_text(h) or full
            if len(full) + tail > room and h.blocking:
                code, tail = "", tail - len(code)
            if len(full) + tail > room and h.route is None and h.rule is None:
                full = _whole_words(full, room - tail)
        texts.append(full)
        codes.append(code)
    lines: list[Text] = []
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("resource", no_wrap=True, min_width=w_res)
    table.add_column("decision", no_wrap=True, min_width=w_dec)
    if side_by_side:
        table.add_column("rule / route / reason", overflow="fold", min_width=min(longest_word, 40),
                         no_wrap=width >= 10_000)
    for i, h in enumerate(p.hops):
        mark = AS_IF_FIXED if i in hypothetical else ""
        detail = Text(texts[i])
        if codes[i]:
            detail.append(codes[i], style="bold")
        if h.blocking:
            detail.append("  ← blocks", style="bold red")
        decision = Text(decisions[i], style=DECISION_STYLE.get(h.decision, ""))
        style = "bold red" if h.blocking else ("dim" if mark else None)
        if side_by_side:
            table.add_row(f"{mark}{i + 1}", Text(compact_id(h.resource)), decision, detail, style=style)
        else:
            lines.append(Text.assemble(f"{mark}{i + 1:>3}  ", (compact_id(h.resource).ljust(w_res), style or ""),
                                       "  ", decision, "\n      ", detail, style=style or ""))
    return table if side_by_side else Group(Text(title), *lines)


def path_table(title: str, p: PathResult, hypothetical: set[int] | None = None) -> Table:
    """The detailed table (--verbose): resource with its name, check, decision, rule text and reason."""
    hypothetical = hypothetical or set()
    table = Table(title=title, title_justify="left", expand=True, show_lines=False)
    table.add_column("#", justify="right", no_wrap=True)
    width = max([len(display_id(h.resource)) for h in p.hops] + [8])
    table.add_column("resource", no_wrap=True, min_width=width)
    table.add_column("check", no_wrap=True)
    table.add_column("decision", no_wrap=True)
    table.add_column("rule / route / reason", overflow="fold", ratio=6)
    for i, h in enumerate(p.hops):
        style = "bold red on grey15" if h.blocking else ("dim" if i in hypothetical else None)
        detail = Text(_renamed(hop_detail(h) or h.reason, h))
        if hop_detail(h) and (h.blocking or "implicit" in h.reason or "tracked" in h.reason):
            detail.append(f"\n{_renamed(h.reason, h)}", style="dim")
        if h.code:
            detail.append(f" [{h.code}]", style="bold")
        if h.resource.name and h.resource.name != h.resource.id:
            detail.append(f"\n{h.resource.name}", style="italic cyan")
        table.add_row(f"{AS_IF_FIXED if i in hypothetical else ''}{i + 1}", _resource(h, with_name=False),
                      CHECK_LABEL.get(h.check.value, h.check.value),
                      Text(h.decision.value, style=DECISION_STYLE.get(h.decision, "")), detail, style=style)
    return table


def _resolved(ep) -> str:
    label = ep.label
    if ep.interface is not None and "/" in ep.interface.ref.short_id:
        label = label.replace(ep.interface.ref.short_id, display_id(ep.interface.ref))
    return label if str(ep.address) in label else f"{label} {ep.address}"


def header(result: QueryResult, info: SnapshotInfo) -> Text:
    t = result.trace
    head = Text()
    head.append(f"{result.query.src} → {result.query.dst}\n", style="bold")
    head.append(f"resolved: {_resolved(result.source)} → {_resolved(result.destination)}\n", style="dim")
    head.append(f"{t.flow.describe()}\n")
    if t.assumptions:
        head.append(f"assuming: {', '.join(t.assumptions)} (--assume; not what the snapshot says)\n", style="yellow")
    head.append("verdict: ")
    head.append(t.verdict.value, style=VERDICT_STYLE[t.verdict])
    head.append("  (reachable)" if t.reachable else "  (undetermined)" if t.verdict.undetermined else "  (not reachable)")
    reason = t.forward.reason if t.verdict == t.forward.verdict else 'return path: ' + t.reply.reason
    for h in t.forward.hops + (t.reply.hops if t.reply else []):
        reason = _renamed(reason, h)
    head.append(f"\n{reason}")
    if t.first_block is not None:
        b = t.first_block
        head.append("\nblocked by: ", style="bold")
        head.append(f"{b.resource.type} {display(b.resource)}", style="bold red")
        head.append(f" {_renamed(_rule_text_raw(b), b)}", style="red")
        if b.code:
            head.append(f" [{b.code}]")
    if len(t.blockers) > 1:
        head.append(f"\nall blockers ({len(t.blockers)}): " + "; ".join(
            f"{display_id(h.resource)} {h.rule.label if h.rule else h.reason}" for h in t.blockers))
    return head


def all_warnings(result: QueryResult, info: SnapshotInfo) -> list[str]:
    """The trace's warnings, then the snapshot's (ignored files, assumptions): every view shows both."""
    return list(dict.fromkeys(list(result.trace.warnings) + [f"snapshot: {w}" for w in info.warnings]))


def render(result: QueryResult, info: SnapshotInfo, console: Console, verbose: bool = False,
           wide: bool = False) -> None:
    t = result.trace
    def table(title, p, fixed):
        return path_table(title, p, fixed) if verbose else compact_table(title, p, fixed, console.width)

    fwd_fixed = _as_if_fixed(t.forward)
    parts = [Panel(header(result, info), title="flightpath", subtitle=f"snapshot {info.path} · {info.sha256[:12]}",
                   expand=not wide),
             table("forward path", t.forward, fwd_fixed)]
    if t.reply is not None:
        hypothetical = t.forward.verdict not in (Verdict.DELIVERED, Verdict.EXITED)
        title = (f"return path (hypothetical, as if the forward path were fixed): {t.reply.verdict.value}"
                 if hypothetical else f"return path: {t.reply.verdict.value}")
        parts.append(table(title, t.reply, set(range(len(t.reply.hops))) if hypothetical else set()))
    if fwd_fixed:
        parts.append(Text(f"{AS_IF_FIXED} evaluated as if the blocks before it were fixed (--all-blockers)", style="dim"))
    warnings = all_warnings(result, info)
    if warnings:
        parts.append(Text("warnings:\n" + "\n".join(f"  • {w}" for w in warnings), style="yellow"))
    if not verbose:
        parts.append(Text("(--verbose for every hop's detail, --wide for no wrapping)", style="dim"))
    console.print(Group(*parts), soft_wrap=wide)
