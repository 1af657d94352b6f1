"""Differential test (issue 13): the fast evaluator against the naive reference (naive_aws.py) on the
AWS lab and a small seeded bench estate, random flows. They must agree on the verdict and on the
blocking resource (the NACL or the ENI whose groups block, or the route table without a route).
Seeded; FLIGHTPATH_DIFF_FLOWS sets the flows per estate (default 2000; nightly e.g. 1000000).
Hop-sequence agreement is not compared (see the README: the reference does not build hops).
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import pytest

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model import Verdict

from tests.reference_eval.naive_aws import NaiveAws

ROOT = Path(__file__).resolve().parents[2]
FLOWS = int(os.environ.get("FLIGHTPATH_DIFF_FLOWS", "2000"))
PORTS = (22, 80, 443, 3306, 5432, 8080, 1024, 49152, 65535, 53)


def _fast(topo, src, dst, proto, port):
    t = run_query(topo, Query(src, dst, {6: "tcp", 17: "udp"}[proto], port, 49152)).trace

    def block(p):
        for h in p.hops:
            if h.blocking:
                if h.rule is not None and h.rule.resource.type == "network-acl":
                    return h.rule.resource.id
                if h.route is not None:
                    return h.route.table.id
                return h.resource.id
        return p.hops[-1].resource.id if p.hops else None

    if t.verdict is Verdict.DELIVERED:
        return ("delivered", None)
    if t.forward.verdict is Verdict.DELIVERED and t.reply is not None:
        kind = "reply blocked" if t.reply.verdict is Verdict.BLOCKED else "reply no_route"
        return (kind, block(t.reply))
    kind = "blocked" if t.forward.verdict is Verdict.BLOCKED else "no_route"
    return (kind, block(t.forward))


@pytest.fixture(scope="module")
def bench_xs(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    out = tmp_path_factory.mktemp("bench-xs")
    generate("XS", out, seed=7, jobs=1)
    return out / "snapshot" if (out / "snapshot").is_dir() else out


def _run(root: Path, seed: int, min_compared: int):
    topo = load_snapshot(root, use_cache=False)
    ref = NaiveAws(root)
    hosts = sorted({ip for e in ref.enis.values() if e.get("_instance") for ip in ref.ips(e)})
    rng = random.Random(seed)
    compared = skipped = 0
    disagreements = []
    started = time.perf_counter()
    for _ in range(FLOWS):
        src, dst = rng.sample(hosts, 2)
        proto, port = rng.choice((6, 6, 6, 17)), rng.choice(PORTS)
        expected = ref.trace(src, dst, proto, port)
        if expected is None:
            skipped += 1
            continue
        compared += 1
        got = _fast(topo, src, dst, proto, port)
        if got != expected:
            disagreements.append((src, dst, proto, port, expected, got))
    elapsed = time.perf_counter() - started
    print(f"\n{root.name}: {compared} flows compared, {skipped} outside the reference's scope, {elapsed:.1f}s")
    assert not disagreements, disagreements[:5]
    assert compared >= min_compared
    return compared


def test_lab_agrees_with_the_reference():
    _run(ROOT / "fixtures" / "kickstart-aws", 1, 1)


def test_bench_estate_agrees_with_the_reference(bench_xs):
    _run(bench_xs, 2, FLOWS // 10)
