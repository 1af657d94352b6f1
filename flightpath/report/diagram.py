"""The path as a picture: a mermaid flowchart (markdown) and an SVG (HTML). Pure text; no network.

Hops are grouped into lanes by cloud and boxes by network (the hop's network when the model names one,
else its account/region); consecutive hops on the same resource collapse into one node. The blocking
node is red; the return path is drawn dashed.
"""

from __future__ import annotations

import html
import re

from flightpath.model.outcome import Hop, PathResult
from flightpath.report.names import display_id


def nodes(p: PathResult) -> list[tuple[str, str, bool, list[Hop]]]:
    """(cloud, label, blocking, hops) per run of hops on one resource."""
    out: list[tuple[str, str, bool, list[Hop]]] = []
    for h in p.hops:
        label = display_id(h.resource)
        if out and out[-1][1] == label:
            cloud, lab, blocking, hops = out[-1]
            out[-1] = (cloud, lab, blocking or h.blocking, hops + [h])
        else:
            out.append((h.resource.cloud, label, h.blocking, [h]))
    return out


def _mid(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _mlabel(text: str) -> str:
    return text.replace('"', "'").replace("<", "‹").replace(">", "›")


def mermaid(forward: PathResult, reply: PathResult | None = None) -> str:
    lines = ["```mermaid", "flowchart LR"]
    by_cloud: dict[str, list[str]] = {}
    ids: dict[str, str] = {}
    for prefix, p in (("f", forward), ("r", reply)):
        if p is None:
            continue
        for cloud, label, blocking, hops in nodes(p):
            if label not in ids:
                ids[label] = f"n{len(ids)}_{_mid(label)[:40]}"
                text = f"{_mlabel(label)}<br/>{_mlabel(hops[-1].check.value)}: {_mlabel(hops[-1].decision.value)}"
                by_cloud.setdefault(cloud or "other", []).append(f'    {ids[label]}["{text}"]')
    for cloud, decl in by_cloud.items():
        lines.append(f"  subgraph {_mid(cloud)}[{cloud.upper()}]")
        lines += decl
        lines.append("  end")
    for arrow, p in (("-->", forward), ("-.->", reply)):
        if p is None:
            continue
        seq = nodes(p)
        for (_c, a, _b, _h), (_c2, b, _b2, _h2) in zip(seq, seq[1:]):
            lines.append(f"  {ids[a]} {arrow} {ids[b]}")
    for _cloud, label, blocking, _hops in nodes(forward):
        if blocking:
            lines.append(f"  style {ids[label]} fill:#fdd,stroke:#c00,stroke-width:3px")
    lines.append("```")
    return "\n".join(lines)


def network_finder(estate):
    """hop resource -> the display name of its network (interfaces, subnets, route tables, rule sets and
    networks themselves), else None: gateways and routers sit between networks."""
    table_net: dict[str, str] = {}
    for n in estate.networks.values():
        if n.main_route_table_id:
            table_net.setdefault(n.main_route_table_id, n.ref.id)
    for sn in estate.subnets.values():
        if sn.route_table_id:
            table_net.setdefault(sn.route_table_id, sn.network_id)

    def find(ref) -> str | None:
        rid = ref.id.split("#", 1)[0]
        if rid not in estate.interfaces and rid not in estate.subnets and rid.lower() != rid:
            rid = rid.lower()  # ARM ids are keyed lowercased
        net = None
        if rid in estate.interfaces:
            net = estate.interfaces[rid].network_id
        elif rid in estate.subnets:
            net = estate.subnets[rid].network_id
        elif rid in estate.rule_sets:
            net = estate.rule_sets[rid].network_id
        elif rid in estate.networks:
            net = rid
        else:
            net = table_net.get(rid)
        if not net:
            return None
        n = estate.networks.get(net) or estate.networks.get(net.lower())
        return display_id(n.ref) + (f" ({n.ref.name})" if n and n.ref.name and n.ref.name not in display_id(n.ref) else "") \
            if n else net

    return find


def svg(forward: PathResult, reply: PathResult | None = None, network_of=None) -> str:
    """An inline SVG: one swim lane per cloud, a box per network (class `network`) around the nodes in it,
    one box per node in path order, arrows between; the blocking box red (class `blocking`), the return
    path dashed (class `return`)."""
    fwd = nodes(forward)
    clouds = list(dict.fromkeys(c or "other" for c, _l, _b, _h in fwd + (nodes(reply) if reply else [])))
    lane_h, box_w, box_h, gap = 110, 210, 54, 40
    width = 120 + len(fwd) * (box_w + gap)
    height = lane_h * len(clouds) + (70 if reply else 20)
    pos: dict[str, tuple[int, int]] = {}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="path diagram">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#444"/></marker></defs>']
    for i, cloud in enumerate(clouds):
        out.append(f'<g class="lane" data-cloud="{html.escape(cloud)}"><rect x="0" y="{i * lane_h}" width="{width}" '
                   f'height="{lane_h}" fill="{"#f4f7fb" if i % 2 == 0 else "#fbfaf4"}" stroke="#ccd"/>'
                   f'<text x="8" y="{i * lane_h + 18}" font-size="13" font-weight="bold">{html.escape(cloud.upper())}</text></g>')
    for j, (cloud, label, blocking, hops) in enumerate(fwd):
        lane = clouds.index(cloud or "other")
        x, y = 100 + j * (box_w + gap), lane * lane_h + (lane_h - box_h) // 2 + 6
        pos[label] = (x, y)
        cls = "node blocking" if blocking else "node"
        fill, stroke = ("#fdd", "#c00") if blocking else ("#fff", "#557")
        last = hops[-1]
        out.append(f'<g class="{cls}"><title>{html.escape(label)}</title><rect x="{x}" y="{y}" width="{box_w}" height="{box_h}" '
                   f'rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{3 if blocking else 1}"/>'
                   f'<text x="{x + 8}" y="{y + 20}" font-size="11" font-family="monospace">{html.escape(label[:30])}</text>'
                   f'<text x="{x + 8}" y="{y + 40}" font-size="11">{html.escape(f"{last.check.value}: {last.decision.value}")}</text></g>')
    if network_of is not None:  # boxes for runs of consecutive nodes in one network
        runs: list[list] = []
        for j, (cloud, label, _b, hops) in enumerate(fwd):
            net = network_of(hops[0].resource)
            if net and runs and runs[-1][0] == net and runs[-1][2] == j - 1:
                runs[-1][2] = j
            elif net:
                runs.append([net, j, j])
        for net, first, last in runs:
            x0, y0 = pos[fwd[first][1]]
            x1 = pos[fwd[last][1]][0] + box_w
            out.insert(len(out), f'<g class="network"><rect x="{x0 - 10}" y="{y0 - 22}" width="{x1 - x0 + 20}" '
                       f'height="{box_h + 30}" rx="8" fill="none" stroke="#8a8" stroke-dasharray="2 2"/>'
                       f'<text x="{x0 - 6}" y="{y0 - 8}" font-size="10" fill="#363">{html.escape(net)}</text></g>')
    for (_c, a, _b, _h), (_c2, b, _b2, _h2) in zip(fwd, fwd[1:]):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        out.append(f'<line class="forward" x1="{x1 + box_w}" y1="{y1 + box_h // 2}" x2="{x2}" y2="{y2 + box_h // 2}" '
                   'stroke="#444" stroke-width="1.5" marker-end="url(#arrow)"/>')
    if reply is not None:
        seq = [label for _c, label, _b, _h in nodes(reply) if label in pos]
        for a, b in zip(seq, seq[1:]):
            (x1, y1), (x2, y2) = pos[a], pos[b]
            out.append(f'<path class="return" d="M {x1 + box_w // 2} {y1 + box_h} C {x1 + box_w // 2} {y1 + box_h + 40}, '
                       f'{x2 + box_w // 2} {y2 + box_h + 40}, {x2 + box_w // 2} {y2 + box_h}" fill="none" stroke="#36c" '
                       'stroke-width="1.5" stroke-dasharray="6 4" marker-end="url(#arrow)"/>')
    out.append("</svg>")
    return "".join(out)
