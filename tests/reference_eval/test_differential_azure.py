"""Differential test (issue 13), Azure: the fast evaluator against naive_azure.py on the Azure part of
fixtures/kickstart and on small seeded estates (azure_estate.py: peered VNets, subnet and NIC NSGs, UDR blackholes),
random flows; verdict, blocking resource and the hop sequence of both directions (projection.py) must agree.
FLIGHTPATH_DIFF_FLOWS sets the flows per estate."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reference_eval.azure_estate import generate
from tests.reference_eval.harness import FLOWS, explain, run
from tests.reference_eval.naive_azure import NaiveAzure

ROOT = Path(__file__).resolve().parents[2]


def test_kickstart_azure_agrees_with_the_reference():
    root = ROOT / "fixtures" / "kickstart"
    compared, _skipped, bad = run(root, NaiveAzure(root), 31, FLOWS // 4)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 4


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_azure_estate_agrees_with_the_reference(tmp_path, seed):
    root = generate(tmp_path, seed=seed)
    compared, _skipped, bad = run(root, NaiveAzure(root), 40 + seed, FLOWS // 2)
    assert not bad, explain(bad)
    assert compared >= FLOWS // 2
