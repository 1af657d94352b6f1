"""`exposure`: every interface a client can reach (from the internet by default), on which ports, through
which rules; riskiest first.

Built on `reach` (exact port sets, forward and return). From the internet the candidates are the
addresses the internet can route to: the public IPs bound to interfaces and global IPv6 addresses. From
an address, CIDR or endpoint inside the estate, every host interface is a candidate.

Fast at scale by equivalence classes: interfaces that share subnet, filter stage (the same security
groups / NSGs / security lists + NSGs / firewall tiers), route table and forwarding role get the same
answer for the same client, so `reach` runs once per class and the answer is copied to its members. A
class is trusted only after a second member, drawn with a fixed seed, gives the same answer; a class
whose sample disagrees (e.g. an Azure rule naming one member's private address as its destination) is
computed member by member, and the report says how many were.

    exposure(topo).exposed[0]  →  bastion 3.210.10.10: tcp 22 (kickstart-aws)
"""

from __future__ import annotations

import ipaddress
import random
import weakref
from dataclasses import dataclass, field

from flightpath.errors import EndpointError
from flightpath.evaluate.gateway_steps import NOT_ON_INTERNET
from flightpath.model import Interface, IPAddress
from flightpath.questions.reach import ReachResult, Segment, reach
from flightpath.topology import Topology
from flightpath.topology.endpoints import resolve

_SOURCES: "weakref.WeakKeyDictionary[Topology, dict]" = weakref.WeakKeyDictionary()  # topology -> text -> endpoint

# Ports an attacker tries first: remote administration, then databases and caches, then the rest.
ADMIN_PORTS = {22: "ssh", 3389: "rdp", 5985: "winrm", 5986: "winrm", 23: "telnet", 5900: "vnc"}
DATA_PORTS = {1433: "mssql", 1521: "oracle", 3306: "mysql", 5432: "postgres", 6379: "redis", 9200: "elasticsearch",
              27017: "mongodb", 11211: "memcached", 2375: "docker", 2379: "etcd", 9092: "kafka", 5601: "kibana"}


@dataclass
class Exposed:
    interface: Interface
    address: IPAddress  # what the client sends to (the public IP from the internet)
    private: IPAddress
    open: str
    segments: list[Segment]
    risk: int
    risky_ports: list[str]
    class_size: int = 1
    # open only to some clients: (the source CIDR a rule names, what is open from there, its open segments)
    restricted: list[tuple[str, str, list[Segment]]] = field(default_factory=list)


@dataclass
class ExposureResult:
    origin: str
    source_label: str
    exposed: list[Exposed] = field(default_factory=list)
    candidates: int = 0
    classes: int = 0
    reach_runs: int = 0
    split_classes: int = 0
    warnings: list[str] = field(default_factory=list)


def candidates(topo: Topology, origin: str) -> list[tuple[Interface, IPAddress, IPAddress]]:
    """(interface, address to send to, its private address) for every address the origin may target."""
    e = topo.estate
    out = []
    if origin == "internet":
        for pub_int, (iid, priv) in sorted(topo.by_public.items()):
            iface = e.interfaces[iid]
            out.append((iface, ipaddress.ip_address(pub_int) if priv.version == 4 else priv, priv))
        return [c for c in out if c[0].accepts_connections]
    for iid, iface in sorted(e.interfaces.items()):
        if iface.gateway_id or not iface.accepts_connections:
            continue
        for ip in iface.private_ips:
            out.append((iface, ip, ip))
    return out


def class_key(iface: Interface) -> tuple:
    """What decides an interface's answer for a given client, beside its own addresses."""
    return (iface.network_id, iface.subnet_id, iface.stage, iface.stage_missing, iface.route_table_id,
            iface.forwards, iface.gateway_id, bool(iface.note), iface.owner)  # owner: a balancer's own listeners


def _source_text(origin: str) -> str:
    """internet | IP | CIDR (its first host stands for it) | an endpoint name or id."""
    if origin == "internet":
        return origin
    try:
        net = ipaddress.ip_network(origin, strict=False)
    except ValueError:
        return origin
    if net.num_addresses == 1:
        return str(net.network_address)
    return str(next(net.hosts(), net.network_address))


def exposure(topo: Topology, origin: str = "internet", *, protocol: int | None | str = "default",
             seed: int = 0, progress=None, map_classes=None) -> ExposureResult:
    """`progress(done, total)` is called as classes finish (the CLI's progress bar). `map_classes(items)`
    (batch.py) evaluates the class items elsewhere (worker processes, a dask cluster) and returns
    `class_answer` results in order; by default they are evaluated here. Each class draws its sample
    member with its own seed, so the answer does not depend on where it ran."""
    src = _source_text(origin)
    result = ExposureResult(origin, src)
    if src != origin:
        result.warnings.append(f"{origin} is represented by its first address {src}: rules that tell addresses "
                               "inside it apart are not split")
    targets = candidates(topo, "internet" if origin == "internet" else "inside")
    if origin != "internet":
        source = resolve(topo, src, "source")
        if source.interface is not None:
            targets = [c for c in targets if c[0].ref.id != source.interface.ref.id]
    result.candidates = len(targets)
    classes: dict[tuple, list[tuple[Interface, IPAddress, IPAddress]]] = {}
    for c in targets:
        classes.setdefault(class_key(c[0]), []).append(c)
    result.classes = len(classes)
    origins = [(src, "")]
    if origin == "internet":
        origins = internet_clients(topo, [m[0][0] for m in classes.values()])
        result.source_label = origins[0][0]
    keys = {iface.ref.id: k for k, iface in topo.estate.interfaces.items()}
    items = [([(keys[i.ref.id], str(a), str(p)) for i, a, p in members], origins, protocol, seed * 1_000_003 + n)
             for n, members in enumerate(classes.values())]
    if map_classes is not None:
        answers = map_classes(items)
    else:
        answers = []
        for done, item in enumerate(items, 1):
            answers.append(class_answer(topo, *item))
            if progress is not None:
                progress(done, len(items))
    for exposed, runs, split, warnings in answers:
        result.exposed += exposed
        result.reach_runs += runs
        result.split_classes += split
        result.warnings += [w for w in warnings if w not in result.warnings]
    result.exposed.sort(key=lambda x: (-x.risk, x.interface.ref.id, str(x.address)))
    return result


def class_answer(topo: Topology, members: list[tuple[str, str, str]], origins: list[tuple[str, str]], protocol,
                 seed: int) -> tuple[list[Exposed], int, int, list[str]]:
    """One class: (exposed members, reach runs, 1 if the sample disagreed, warnings). Members are
    (interface key, address, private address), so a worker process can look them up in its own copy."""
    tally = ExposureResult("", "")
    rng = random.Random(seed)
    e = topo.estate
    full = [(e.interfaces[k], ipaddress.ip_address(a), ipaddress.ip_address(p)) for k, a, p in members]
    per_member: dict[int, list[tuple[str, ReachResult]]] = {}
    for client, label in origins:
        for i, (_m, r) in enumerate(_answer_class(topo, client, full, protocol, rng, tally)):
            if r is not None and r.open_segments:
                per_member.setdefault(i, []).append((label, r))
    exposed = [_exposed(*full[i], found, len(full)) for i, found in per_member.items()]
    return exposed, tally.reach_runs, tally.split_classes, tally.warnings


def internet_clients(topo: Topology, sample: list[Interface]) -> list[tuple[str, str]]:
    """Clients that stand for the internet: one that no rule names (any internet client), then the first
    address of every public source range that an inbound rule of the candidates' filters names (a client a
    rule singles out). Overlapping named ranges are each represented by their first address only."""
    named: set = set()
    e = topo.estate
    for iface in sample:
        stages = [iface.stage, e.subnets[iface.subnet_id].stage if iface.subnet_id in e.subnets else None]
        for stage in stages:
            for tier in stage.tiers if stage else ():
                for rid in tier.rule_set_ids:
                    for r in e.rule_sets[rid].rules if rid in e.rule_sets else ():
                        named.update(c for c in r.sources.cidrs if c.prefixlen and _public(c))
    rng = random.Random(7)
    # a documentation address (RFC 5737) unless a rule names it; else a seeded draw from unicast space
    anyone = ipaddress.ip_address("203.0.113.77")
    tries = 0
    while (any(anyone in c for c in named if c.version == 4) or not _public(ipaddress.ip_network(anyone))) \
            and tries < 10000:
        anyone, tries = ipaddress.ip_address(rng.randrange(1 << 24, 224 << 24)), tries + 1
    clients = [(str(anyone), "")]
    for c in sorted((c for c in named if c.version == 4), key=lambda n: (int(n.network_address), n.prefixlen)):
        clients.append((str(next(c.hosts(), c.network_address)), str(c)))
    return clients


def _public(net) -> bool:
    """A range the internet routes (not RFC 1918/6598, loopback, link-local, multicast; documentation
    ranges count as public, as the lab's clients use them)."""
    return not any(net.version == n.version and net.subnet_of(n) for n in NOT_ON_INTERNET)


def _run(topo: Topology, src: str, addr: IPAddress, protocol, result: ExposureResult,
         iface: Interface | None = None) -> ReachResult | None:
    result.reach_runs += 1
    try:
        # resolving an internet source scans every network's subnets: once per client, not per candidate
        known = _SOURCES.setdefault(topo, {})
        source = known.get(src) or known.setdefault(src, resolve(topo, src, "source"))
        return reach(topo, source, str(addr), protocol=protocol)
    except EndpointError as exc:  # e.g. the origin is this very interface
        result.warnings.append(f"{addr}: {exc}")
        return None


def _answer_class(topo, src, members, protocol, rng, result):
    first = members[0]
    r = _run(topo, src, first[1], protocol, result, first[0])
    if len(members) == 1:
        return [(first, r)]
    other = members[rng.randrange(1, len(members))]
    check = _run(topo, src, other[1], protocol, result, other[0])
    if _same(r, check):
        return [(m, r) for m in members]
    result.split_classes += 1
    return [(first, r), (other, check)] + [(m, _run(topo, src, m[1], protocol, result, m[0]))
                                           for m in members[1:] if m is not other]


def _same(a: ReachResult | None, b: ReachResult | None) -> bool:
    if a is None or b is None:
        return a is b
    sig = lambda r: [(s.describe(), s.src_ports, s.verdict, tuple((x.resource.id, x.label) for x in s.admitted_by))  # noqa: E731
                     for s in r.segments]
    return sig(a) == sig(b)


def _risk(segments: list[Segment]) -> tuple[int, list[str]]:
    """Admin ports weigh 100, data stores 50, any other open range 1 (a wide open range holds them all)."""
    score, named = 0, []
    for s in segments:
        if s.dst_ports is None:
            score += 1
            continue
        lo, hi = s.dst_ports
        for table, weight in ((ADMIN_PORTS, 100), (DATA_PORTS, 50)):
            for port, name in table.items():
                if lo <= port <= hi:
                    score += weight
                    named.append(f"{name} {port}/{'tcp' if s.protocol == 6 else 'udp' if s.protocol == 17 else s.protocol}")
        score += 1
    return score, sorted(set(named))


def _exposed(iface: Interface, addr: IPAddress, priv: IPAddress, found: list[tuple[str, ReachResult]],
             size: int) -> Exposed:
    """`found`: (client label, reach) for every client that reaches something; label "" = any client."""
    anyone = next((r for label, r in found if not label), None)
    opened = anyone.open_segments if anyone else []
    restricted = [(label, r.summary, r.open_segments) for label, r in found
                  if label and (anyone is None or r.summary != anyone.summary)]
    risk, named = _risk(opened)
    for _label, r in (f for f in found if f[0]):
        extra, more = _risk(r.open_segments)  # open to named clients only: a tenth of the weight
        risk, named = risk + extra // 10, sorted(set(named) | set(more))
    return Exposed(iface, addr, priv, anyone.summary if anyone else "nothing", opened, risk, named, size, restricted)
