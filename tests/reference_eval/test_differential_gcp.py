"""Differential test (issue 13), GCP: the fast evaluator against naive_gcp.py on the GCP part of fixtures/kickstart
and on a small seeded bench estate (bench/gcp_estate.py), random flows; verdict, blocking resource and the hop
sequence of both directions (projection.py) must agree. FLIGHTPATH_DIFF_FLOWS sets the flows per estate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.reference_eval import perturb
from tests.reference_eval.harness import FLOWS, explain, run
from tests.reference_eval.naive_gcp import NaiveGcp

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gcp_xs(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "bench"))
    from gcp_estate import generate

    root, _pairs = generate("XS", tmp_path_factory.mktemp("gcp-xs"), seed=5)
    return root


def test_kickstart_gcp_agrees_with_the_reference():
    root = ROOT / "fixtures" / "kickstart"
    compared, _skipped, bad = run(root, NaiveGcp(root), 11, FLOWS // 2)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 2


def test_bench_gcp_estate_agrees_with_the_reference(gcp_xs):
    compared, _skipped, bad = run(gcp_xs, NaiveGcp(gcp_xs), 12, FLOWS // 2)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_perturbed_gcp_estate_agrees_with_the_reference(tmp_path_factory, seed):
    """The bench estate with random extra firewall rules (priority ties, egress denies, tags and service
    accounts), policy rules (allow / deny / goto_next) and enforcement orders (perturb.py)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from gcp_estate import generate

    root, _pairs = generate("XS", tmp_path_factory.mktemp(f"gcp-fuzz-{seed}"), seed=seed)
    perturb.gcp(root, seed)
    compared, _skipped, bad = run(root, NaiveGcp(root), 100 + seed, FLOWS // 2)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 2
