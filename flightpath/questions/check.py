"""`flightpath check`: network intents as tests. Each intent (questions/intents.py) is evaluated for every
(source, destination) its selectors expand to; it holds when every pair meets the expectation.

A single port (or ICMP) is one trace; a port range is one `reach` (exact), and holds for `reachable`
only when every port of the range is open for every client source port, for `blocked`/`unreachable` only
when no port of it is. `via` must name a resource the forward path crosses; `blocked_by` the resource (or
the rule set) of the first block. Missing data makes a pair, and so the intent, `unknown`.

    check(topo, load_intents(Path("examples/kickstart-aws-intents.yaml")))  →  [Outcome(pass), ...]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flightpath.errors import FlightpathError
from flightpath.evaluate import Query, run_query
from flightpath.model import Hop, Interface, Verdict
from flightpath.model.protocols import protocol_number
from flightpath.questions.intents import Intent, IntentError
from flightpath.questions.reach import reach
from flightpath.topology import Topology

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"


@dataclass
class PairResult:
    src: str
    dst: str
    status: str
    verdict: str
    message: str
    first_block: Hop | None = None


@dataclass
class Outcome:
    intent: Intent
    status: str
    pairs: list[PairResult] = field(default_factory=list)

    @property
    def message(self) -> str:
        bad = [p for p in self.pairs if p.status != PASS]
        if not bad:
            return f"{len(self.pairs)} pair(s) as expected"
        first = bad[0]
        more = f" (and {len(bad) - 1} more pair(s))" if len(bad) > 1 else ""
        return f"{first.src} -> {first.dst}: {first.message}{more}"


def check(topo: Topology, intents: list[Intent]) -> list[Outcome]:
    return [_check_one(topo, i) for i in intents]


def exit_code(outcomes: list[Outcome]) -> int:
    """0 every intent holds, 1 any fails, else 3 when any is unknown."""
    statuses = {o.status for o in outcomes}
    return 1 if FAIL in statuses else 3 if UNKNOWN in statuses else 0


def expand(topo: Topology, end: str | dict[str, str], where: str) -> list[str]:
    """An endpoint as typed, or the interface ids a selector stands for (hosts only, not gateways)."""
    if isinstance(end, str):
        return [end]
    (kind, value), = end.items()
    e = topo.estate
    hosts = [i for i in e.interfaces.values() if not i.gateway_id]
    if kind == "cidr":
        import ipaddress

        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise IntentError(f"{where}: bad CIDR {value!r}") from None
        found = [i for i in hosts if any(ip.version == net.version and ip in net for ip in i.private_ips)]
    elif kind in ("subnet", "network"):
        ids = {k for k, s in (e.subnets if kind == "subnet" else e.networks).items()
               if value in (k, s.ref.id, s.ref.name)}
        found = [i for i in hosts if (i.subnet_id if kind == "subnet" else i.network_id) in ids]
    else:
        ids = {k for k, rs in e.rule_sets.items() if value in (k, rs.ref.id, rs.ref.name)}
        found = [i for i in hosts if _in_groups(topo, i, ids)]
    if not found:
        raise IntentError(f"{where}: {kind} {value!r} selects no interface in the snapshot")
    return [i.ref.id for i in sorted(found, key=lambda i: i.ref.id)]


def _in_groups(topo: Topology, iface: Interface, ids: set[str]) -> bool:
    """A member of a group: listed in its members (security group, ASG references resolve to them) or
    filtered by it (its rule set is in the interface's filter stage)."""
    for ref, members in topo.estate.group_members.items():
        if iface.ref.id in members and (ref in ids or ref.rsplit(":", 1)[-1] in ids):
            return True
    return bool(iface.stage and any(rid in ids for tier in iface.stage.tiers for rid in tier.rule_set_ids))


def _check_one(topo: Topology, intent: Intent) -> Outcome:
    where = f"intent {intent.name!r}"
    srcs, dsts = expand(topo, intent.src, f"{where}.from"), expand(topo, intent.dst, f"{where}.to")
    pairs = []
    for s in srcs:
        for d in dsts:
            if s == d:
                continue
            try:
                pairs.append(_check_pair(topo, intent, s, d))
            except FlightpathError as exc:
                raise IntentError(f"{where}: {exc}") from None
    statuses = {p.status for p in pairs}
    status = FAIL if FAIL in statuses else UNKNOWN if UNKNOWN in statuses else PASS
    return Outcome(intent, status, pairs)


def _matches(h: Hop | None, name: str) -> bool:
    if h is None:
        return False
    refs = [h.resource] + ([h.rule.resource] if h.rule else [])
    return any(name in (r.id, r.short_id, r.name) for r in refs)


def _parts_of(topo: Topology, name: str) -> set[str]:
    """A transit router is crossed when the path crosses one of its route tables or attachments."""
    e = topo.estate
    out: set[str] = set()
    for rid, router in e.routers.items():
        if name in (rid, router.ref.id, router.ref.name):
            out.update(router.route_table_ids)
            out.update(a.ref.id for a in e.attachments.values() if a.router_id == rid)
    return out


def _want(intent: Intent, verdict: Verdict) -> bool:
    if intent.expect == "reachable":
        return verdict.reachable
    if intent.expect == "blocked":
        return verdict is Verdict.BLOCKED
    return not verdict.reachable


def _check_pair(topo: Topology, intent: Intent, s: str, d: str) -> PairResult:
    proto = intent.protocol
    if intent.ports and intent.ports[0] != intent.ports[1]:
        return _check_range(topo, intent, s, d)
    port = intent.ports[0] if intent.ports else None
    t = run_query(topo, Query(s, d, proto, port)).trace
    v = t.verdict
    if v in (Verdict.UNKNOWN, Verdict.AMBIGUOUS):
        return PairResult(s, d, UNKNOWN, v.value, f"{v.value}: {t.forward.reason}", t.first_block)
    if not _want(intent, v):
        why = t.first_block.reason if t.first_block else (t.forward.reason if t.verdict == t.forward.verdict
                                                          else f"return path: {t.reply.reason}")
        where = f"{t.first_block.resource.display()}: " if t.first_block else ""
        return PairResult(s, d, FAIL, v.value, f"expected {intent.expect}, got {v.value}: {where}{why}",
                          t.first_block)
    if intent.via and not any(_matches(h, intent.via) or h.resource.id in _parts_of(topo, intent.via)
                              for h in t.forward.hops):
        return PairResult(s, d, FAIL, v.value, f"{v.value}, but the path does not cross {intent.via}")
    if intent.blocked_by and not _matches(t.first_block, intent.blocked_by):
        got = t.first_block.resource.display() if t.first_block else "nothing (no filter blocked it)"
        return PairResult(s, d, FAIL, v.value, f"{v.value}, but blocked by {got}, not {intent.blocked_by}",
                          t.first_block)
    return PairResult(s, d, PASS, v.value, f"{v.value} as expected", t.first_block)


def _check_range(topo: Topology, intent: Intent, s: str, d: str) -> PairResult:
    lo, hi = intent.ports
    r = reach(topo, s, d, protocol=protocol_number(intent.protocol, f"intent {intent.name!r}.protocol", for_flow=True))
    inside = [seg for seg in r.segments if seg.dst_ports and seg.dst_ports[1] >= lo and seg.dst_ports[0] <= hi]
    undetermined = [seg for seg in inside if seg.verdict in (Verdict.UNKNOWN, Verdict.AMBIGUOUS)]
    if undetermined:
        return PairResult(s, d, UNKNOWN, undetermined[0].verdict.value,
                          f"{undetermined[0].describe()}: {undetermined[0].reason}")
    wrong = [seg for seg in inside if not _want(intent, seg.verdict)]
    if wrong:
        w = wrong[0]
        src = f" from source ports {w.src_ports[0]}-{w.src_ports[1]}" if w.src_ports else ""
        why = f"{w.blocker.resource.display()}: {w.blocker.reason}" if w.blocker else w.reason
        return PairResult(s, d, FAIL, w.verdict.value,
                          f"expected {intent.expect} for {intent.protocol} {lo}-{hi}, but {w.describe()}{src} is "
                          f"{w.verdict.value}: {why}", w.blocker)
    return PairResult(s, d, PASS, "reachable" if intent.expect == "reachable" else "not reachable",
                      f"every port of {lo}-{hi} as expected")
