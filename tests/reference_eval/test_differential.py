"""Differential test (issue 13), AWS: the fast evaluator against the naive reference (naive_aws.py) on the AWS lab
and a small seeded bench estate, random flows. They must agree on the verdict, on the blocking resource (the NACL
or the ENI whose groups block, or the route table without a route) and on the hop sequence of both directions as
projection.py defines it. Seeded; FLIGHTPATH_DIFF_FLOWS sets the flows per estate (default 2000)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.reference_eval import perturb
from tests.reference_eval.harness import FLOWS, explain, run
from tests.reference_eval.naive_aws import NaiveAws

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench_xs(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    out = tmp_path_factory.mktemp("bench-xs")
    generate("XS", out, seed=7, jobs=1)
    return out / "snapshot" if (out / "snapshot").is_dir() else out


def test_lab_agrees_with_the_reference():
    root = ROOT / "fixtures" / "kickstart-aws"
    compared, _skipped, bad = run(root, NaiveAws(root), 1, FLOWS // 2)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 2


def test_bench_estate_agrees_with_the_reference(bench_xs):
    compared, _skipped, bad = run(bench_xs, NaiveAws(bench_xs), 2, FLOWS // 2)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 2


def test_the_projection_catches_a_skipped_or_reordered_filter_stage():
    """The hop comparison must be able to fail: the fast evaluator's own projection, with the destination NACL
    step dropped, or the source SG and NACL steps swapped (NACL before SG on the way out, which AWS never does:
    https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html: NACLs filter at the subnet boundary,
    after the ENI's security groups on the way out), no longer
    agrees; the untouched projection does."""
    from flightpath import load_snapshot
    from tests.reference_eval.harness import agree, fast

    root = ROOT / "fixtures" / "kickstart-aws"
    ref = NaiveAws(root)
    expected = ref.trace("10.1.1.10", "10.2.1.20", 6, 5432)  # the lab's flow 1, delivered
    got = fast(load_snapshot(root, use_cache=False), "10.1.1.10", "10.2.1.20", 6, 5432)
    assert expected.verdict == "delivered" and agree(expected, got)
    fwd = list(got.forward)
    nacl_in = max(i for i, s in enumerate(fwd) if s.kind == "in" and s.resource.startswith("subnet-"))
    skipped = got._replace(forward=tuple(fwd[:nacl_in] + fwd[nacl_in + 1:]))
    sg_out = next(i for i, s in enumerate(fwd) if s.kind == "out")
    nacl_out = next(i for i, s in enumerate(fwd) if s.kind == "out" and s.resource.startswith("subnet-"))
    swapped = list(fwd)
    swapped[sg_out], swapped[nacl_out] = swapped[nacl_out], swapped[sg_out]
    reply_rule = got._replace(reply=tuple(s._replace(detail="acl-x#1") if s.kind == "in" and s.detail else s
                                          for s in got.reply))
    for wrong in (skipped, got._replace(forward=tuple(swapped)), reply_rule):
        assert not agree(expected, wrong)


@pytest.mark.parametrize("seed", [1, 2])
def test_perturbed_bench_estate_agrees_with_the_reference(tmp_path_factory, seed):
    """The bench estate with random extra NACL entries (numbers around the existing ones, allow / deny, port
    ranges) and SG rules (perturb.py): first-match order and the stateless reply get exercised."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    out = tmp_path_factory.mktemp(f"bench-fuzz-{seed}")
    generate("XS", out, seed=seed, jobs=1)
    root = out / "snapshot" if (out / "snapshot").is_dir() else out
    perturb.aws(root, seed)
    compared, _skipped, bad = run(root, NaiveAws(root), 300 + seed, FLOWS // 2)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 2
