"""trace(topology, flow) → Trace: the forward walk, then the reply's walk back (DESIGN.md).

The reply starts where the forward packet ended (the interface it reached, or the gateway it left
by) with addresses and ports swapped. Stateful filters the forward packet passed admit it as a tracked
connection; stateless ones (NACLs) need their own allow for the client's ephemeral port; NAT is undone
where it was done. A reply that fails makes the whole trace fail: a connection needs both directions.
"""

from __future__ import annotations

from dataclasses import dataclass

from flightpath.errors import EndpointError, FlightpathError
from flightpath.evaluate.state import INTERNET, Stop
from flightpath.evaluate.walker import Walker
from flightpath.model import GatewayKind
from flightpath.model.flow import Flow
from flightpath.model.outcome import ASSUMPTIONS, Check, Decision, PathResult, Trace, Verdict
from flightpath.model.protocols import protocol_number
from flightpath.topology import Topology
from flightpath.topology.endpoints import Endpoint, resolve

__all__ = ["trace", "run_query", "Query", "QueryResult", "Verdict"]


def _run(walker: Walker, start) -> PathResult:
    try:
        start()
    except Stop as stop:
        verdict, reason = stop.verdict, stop.reason
    else:  # every path ends in a Stop; reaching here is a bug worth seeing, not a silent allow
        verdict, reason = Verdict.UNKNOWN, "the walk ended without a verdict"
    if walker.blockers and verdict not in (Verdict.UNKNOWN, Verdict.AMBIGUOUS):
        first = walker.blockers[0]
        verdict, reason = Verdict.BLOCKED, f"{first.resource.display()}: {first.reason}"
    return PathResult(walker.hops, verdict, reason)


def check_assumptions(names) -> tuple[str, ...]:
    """The --assume names, deduplicated in order; an unknown name is a one-line error listing the valid ones."""
    out = tuple(dict.fromkeys(str(n).strip().lower() for n in names or ()))
    bad = [n for n in out if n not in ASSUMPTIONS]
    if bad:
        raise FlightpathError(f"--assume {bad[0]}: unknown assumption; valid: {', '.join(ASSUMPTIONS)}")
    return out


def _source_for(topo: Topology, flow: Flow) -> Endpoint:
    return resolve(topo, str(flow.src), "source")


def trace(topo: Topology, flow: Flow, *, source: Endpoint | None = None, all_blockers: bool = False,
          with_reply: bool = True, expect_interface_id: str = "", assumptions: tuple[str, ...] = ()) -> Trace:
    """Walk `flow` from its source. `source` (from endpoints.resolve) pins the starting interface when an
    address alone would be ambiguous; by default the source is found from flow.src."""
    source = source or _source_for(topo, flow)
    if source.kind == "interface" and source.interface is not None and flow.src not in source.interface.private_ips:
        raise EndpointError(f"source {flow.src} is not an address of {source.interface.ref.display()}")
    fwd = Walker(topo, flow, all_blockers=all_blockers, assumptions=check_assumptions(assumptions))
    if source.kind == "interface":
        start = lambda: fwd.start_interface(source.interface)  # noqa: E731
    elif source.kind == "subnet":
        start = lambda: fwd.start_subnet(source.subnet)  # noqa: E731
    else:
        start = fwd.start_internet
    forward = _run(fwd, start)
    warnings = list(source.warnings) + fwd.warnings
    if (forward.verdict is Verdict.DELIVERED and expect_interface_id and fwd.delivered_to is not None
            and fwd.delivered_to.ref.id != expect_interface_id and not fwd.branches
            and not any(h.check is Check.NAT and h.interface is not None and h.interface.id == expect_interface_id
                        for h in forward.hops)):
        warnings.append(f"the packet reached {fwd.delivered_to.ref.display()}, not {expect_interface_id} "
                        "(the same address exists in several networks; routing chose this one)")
    if forward.verdict is Verdict.NO_ROUTE:
        warnings.extend(_disconnection_note(topo, source, flow))
    result = Trace(flow, forward, None, list(fwd.blockers), warnings, assumptions=fwd.assumptions,
                   branches=list(fwd.branches))
    if with_reply and (forward.verdict.reachable or (all_blockers and fwd.blockers and _ended_reachably(fwd))):
        result.reply = _reply(topo, fwd, source, all_blockers, result)
        result.blockers.extend(h for h in result.reply.hops if h.blocking)
    return result


def _disconnection_note(topo: Topology, source: Endpoint, flow: Flow) -> list[str]:
    """Name the case where no gateway, peering, transit router or VPN joins the two networks at all
    (AWS Reachability Analyzer's DISCONNECTED_VPCS), using the topology graph."""
    src_net = (source.interface.network_id if source.interface else source.subnet.network_id if source.subnet else "")
    dst_nets = {topo.estate.interfaces[i].network_id for i in topo.holders_of(flow.dst)}
    if not src_net or len(dst_nets) != 1:
        return []
    (dst_net,) = dst_nets
    if dst_net != src_net and not topo.connected(src_net, dst_net):
        return [f"no gateway, peering, transit router or VPN connects {src_net} and {dst_net} in the snapshot"]
    return []


def _ended_reachably(fwd: Walker) -> bool:
    return fwd.delivered_to is not None or fwd.exit is not None


def _reply(topo: Topology, fwd: Walker, source: Endpoint, all_blockers: bool, result: Trace) -> PathResult:
    rw = Walker(topo, fwd.pkt.reply(), all_blockers=all_blockers, forward=fwd)
    if fwd.delivered_to is not None:
        start = lambda: rw.start_interface(fwd.delivered_to)  # noqa: E731
    else:
        ex = fwd.exit
        if ex is None or ex.kind == "none":
            result.warnings.append("the reply was not evaluated: the packet left toward something outside the snapshot")
            return PathResult([], Verdict.UNKNOWN, "reply not evaluated")

        def start() -> None:
            rw.hop(ex.resource if ex.kind != "internet" else INTERNET, Check.START,
                   Decision.FORWARD, f"reply enters at {ex.resource.display()}")
            if ex.kind == "internet":
                rw.internet(None)
            elif ex.kind == "router":
                rw.arrived_via = GatewayKind.VPN
                rw.at_router(topo.estate.routers[ex.router_id], ex.attachment_id)
            else:
                gw = topo.estate.gateways[ex.gateway_id]
                rw.arrived_via = gw.kind
                rw.enter_network(gw, ex.network_id)
    reply = _run(rw, start)
    result.warnings.extend(w for w in rw.warnings if w not in result.warnings)
    # The reply must come back to where the request started.
    if reply.verdict is Verdict.DELIVERED and source.kind == "interface" and rw.delivered_to is not None \
            and rw.delivered_to.ref.id != source.interface.ref.id:
        result.warnings.append(f"asymmetric: the reply reached {rw.delivered_to.ref.display()}, "
                               f"not the source {source.interface.ref.display()}")
        reply.verdict, reply.reason = Verdict.AMBIGUOUS, "the reply reached a different interface"
    if source.kind == "subnet" and reply.verdict is Verdict.UNASSIGNED:
        reply.verdict, reply.reason = Verdict.DELIVERED, f"the reply reached the source subnet {source.subnet.ref.display()}"
    if source.kind == "internet" and reply.verdict is Verdict.DELIVERED:
        result.warnings.append("the reply to an internet source was delivered inside the estate instead")
    return reply




@dataclass
class Query:
    """What the user asked: endpoints as typed, and the flow's protocol fields."""

    src: str
    dst: str
    protocol: str = "tcp"
    port: int | None = None
    src_port: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    all_blockers: bool = False
    with_return: bool = True
    assumptions: tuple[str, ...] = ()  # --assume names (model.outcome.ASSUMPTIONS)


@dataclass
class QueryResult:
    query: Query
    trace: Trace
    source: Endpoint
    destination: Endpoint


def run_query(topo: Topology, q: Query) -> QueryResult:
    """Resolve SRC and DST, build the flow, trace it (the CLI's and scripts' entry point)."""
    source = resolve(topo, q.src, "source")
    destination = resolve(topo, q.dst, "destination", version=source.address.version,
                          from_internet=source.kind == "internet")
    if source.kind == "internet" and destination.kind == "internet":
        raise EndpointError("both ends are on the internet; at least one must be in the snapshot")
    proto = None if str(q.protocol).lower() in ("all", "-1") else protocol_number(str(q.protocol), "--protocol", for_flow=True)
    flow = Flow.build(proto, source.address, destination.address, q.port, q.src_port, q.icmp_type, q.icmp_code)
    expect = destination.interface.ref.id if destination.interface is not None else ""
    t = trace(topo, flow, source=source, all_blockers=q.all_blockers, with_reply=q.with_return,
              expect_interface_id=expect, assumptions=tuple(q.assumptions))
    t.warnings[:0] = [w for w in destination.warnings if w not in t.warnings]
    return QueryResult(q, t, source, destination)
