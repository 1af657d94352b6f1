"""Differential test (issue 13), OCI: the fast evaluator against naive_oci.py on the OCI part of fixtures/kickstart
and on a small seeded bench estate (bench/oci_estate.py), random flows; verdict, blocking resource and the hop
sequence of both directions (projection.py) must agree. FLIGHTPATH_DIFF_FLOWS sets the flows per estate."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.reference_eval import perturb
from tests.reference_eval.harness import FLOWS, explain, run
from tests.reference_eval.naive_oci import NaiveOci

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def oci_xs(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "bench"))
    from oci_estate import generate

    return generate("XS", tmp_path_factory.mktemp("oci-xs") / "out", seed=5) / "snapshot"


def test_kickstart_oci_agrees_with_the_reference():
    root = ROOT / "fixtures" / "kickstart"
    compared, _skipped, bad = run(root, NaiveOci(root), 21, FLOWS // 2)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 2


def test_bench_oci_estate_agrees_with_the_reference(oci_xs):
    compared, _skipped, bad = run(oci_xs, NaiveOci(oci_xs), 22, FLOWS // 2)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_perturbed_oci_estate_agrees_with_the_reference(tmp_path_factory, seed):
    """The bench estate with random extra stateless / stateful rules, port ranges on either side and NSG
    references (perturb.py): the stateless-precedence and reply cases the bench alone barely meets."""
    sys.path.insert(0, str(ROOT / "bench"))
    from oci_estate import generate

    root = generate("XS", tmp_path_factory.mktemp(f"oci-fuzz-{seed}") / "out", seed=seed) / "snapshot"
    perturb.oci(root, seed)
    compared, _skipped, bad = run(root, NaiveOci(root), 200 + seed, FLOWS // 2)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 2
