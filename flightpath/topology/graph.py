"""The networkx graph of networks, gateways, transit routers and VPN links (the only networkx import).

Used for connectivity questions that are about the shape of the estate rather than one packet, e.g.
"does any gateway, peering, transit router or VPN join these two networks at all?".
"""

from __future__ import annotations

from flightpath.model import AttachmentKind, Estate


def build_graph(e: Estate):
    import networkx as nx

    g = nx.Graph()
    for nid in e.networks:
        g.add_node(nid, kind="network")
    for gid, gw in e.gateways.items():
        g.add_node(gid, kind=f"gateway:{gw.kind.value}")
        for n in gw.network_ids:
            g.add_edge(gid, n)
        if gw.router_id:
            g.add_edge(gid, gw.router_id)
        for link in gw.vpn_link_ids:
            g.add_edge(gid, link)
    for aid, att in e.attachments.items():
        if att.kind is AttachmentKind.PEERING and att.peer_router_id:
            g.add_edge(att.router_id, att.peer_router_id, via=aid)
        elif att.kind is AttachmentKind.VPN and att.resource_id:
            g.add_edge(att.router_id, att.resource_id, via=aid)
    for lid, link in e.vpn_links.items():  # the two ends of a link declared in links.json (snapshot/links.py)
        if link.declared_peer:
            g.add_edge(lid, link.declared_peer)
    return g


def has_path(g, a: str, b: str) -> bool:
    """Whether a path joins a and b: connected components computed once per graph (the graph is
    undirected and never changes once built), then a dictionary lookup per question."""
    import networkx as nx

    comp = g.graph.get("component_of")
    if comp is None:
        comp = g.graph["component_of"] = {n: i for i, c in enumerate(nx.connected_components(g)) for n in c}
    return a in comp and b in comp and comp[a] == comp[b]
