"""The differential loop shared by the per-cloud tests: random seeded flows between a reference's hosts, the fast
evaluator (flightpath.evaluate.tracing.run_query) against the reference, compared on verdict, blocking resource and
the projected hop sequence of both directions (projection.py). FLIGHTPATH_DIFF_FLOWS sets the flows per estate
(default 2000; nightly e.g. 1000000). Flows outside a reference's scope are counted, printed and not compared."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model import Verdict
from tests.reference_eval.common import Result
from tests.reference_eval.projection import project, same

FLOWS = int(os.environ.get("FLIGHTPATH_DIFF_FLOWS", "2000"))
PORTS = (22, 80, 443, 3306, 5432, 8080, 1024, 49152, 65535, 53, 7000, 7003, 9000)
PROTO_NAMES = {6: "tcp", 17: "udp"}


def blocker(path) -> str | None:
    """The blocking hop's resource: the network ACL of a NACL hop, the route table of a route lookup (without any
    "#..." suffix, as in the projection), else the hop's resource (interface or subnet)."""
    hops = path.hops
    for h in hops:
        if h.blocking:
            if h.rule is not None and h.rule.resource.type == "network-acl":
                return h.rule.resource.id
            if h.route is not None:
                return h.route.table.id.split("#", 1)[0]
            return h.resource.id
    if not hops:
        return None
    last = hops[-1]
    return (last.route.table.id if last.route is not None else last.resource.id).split("#", 1)[0]


def fast(topo, src: str, dst: str, proto: int, port: int, sport: int = 49152) -> Result:
    t = run_query(topo, Query(src, dst, PROTO_NAMES[proto], port, sport)).trace
    fwd, rep = project(t.forward), project(t.reply) if t.forward.verdict is Verdict.DELIVERED else None
    if t.verdict is Verdict.DELIVERED:
        return Result("delivered", None, fwd, rep)
    if t.forward.verdict is Verdict.DELIVERED and t.reply is not None:
        kind = "reply blocked" if t.reply.verdict is Verdict.BLOCKED else f"reply {t.reply.verdict.value}"
        return Result(kind, blocker(t.reply), fwd, rep)
    return Result(t.forward.verdict.value, blocker(t.forward), fwd, None)


def agree(expected: Result, got: Result) -> bool:
    return (expected.verdict, expected.blocker) == (got.verdict, got.blocker) and same(
        expected.forward, got.forward) and same(expected.reply, got.reply)


def run(root: Path, ref, seed: int, min_compared: int, flows: int = FLOWS, protos=(6, 6, 6, 17), xfail=()):
    """Compare `flows` random flows; returns (compared, skipped, disagreements). `xfail` holds (src, dst, proto,
    port) flows known to disagree (documented in the test), left out of the loop so each can be its own xfail."""
    topo = load_snapshot(root, use_cache=False)
    hosts = ref.hosts()
    rng = random.Random(seed)
    compared = skipped = 0
    bad = []
    verdicts: dict[str, int] = {}
    started = time.perf_counter()
    for _ in range(flows):
        src, dst = ref.pick(rng) if hasattr(ref, "pick") else rng.sample(hosts, 2)
        proto, port = rng.choice(protos), rng.choice(PORTS)
        if (src, dst, proto, port) in xfail:
            skipped += 1
            continue
        expected = ref.trace(src, dst, proto, port)
        if expected is None:
            skipped += 1
            continue
        compared += 1
        verdicts[expected.verdict] = verdicts.get(expected.verdict, 0) + 1
        got = fast(topo, src, dst, proto, port)
        if not agree(expected, got):
            bad.append(((src, dst, proto, port), expected, got))
    elapsed = time.perf_counter() - started
    print(f"\n{type(ref).__name__} on {root.name}: {compared} flows compared, {skipped} outside the reference's "
          f"scope (skipped), {len(bad)} disagreements, {elapsed:.1f}s; verdicts {dict(sorted(verdicts.items()))}")
    return compared, skipped, bad


def explain(bad, n: int = 3) -> str:
    out = []
    for flow, e, g in bad[:n]:
        out.append(f"flow {flow}\n  reference: {e.verdict} {e.blocker}\n    fwd {e.forward}\n    rep {e.reply}"
                   f"\n  fast:      {g.verdict} {g.blocker}\n    fwd {g.forward}\n    rep {g.reply}")
    return "\n".join(out)
