"""The hop comparison must be able to fail, for every cloud: on a delivered flow that meets at least two filter
steps, the reference's own steps with any one filter step dropped, or with two neighbouring steps swapped, or with
a reply step's "tracked" turned into "rules", no longer agree (projection.same). A reference and a fast evaluator
that skipped or reordered a filter stage would therefore disagree. The orders themselves are the providers':
AWS out SG then NACL, in NACL then SG (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html);
Azure out NIC NSG then subnet NSG, in subnet then NIC
(https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works); GCP and OCI filter at the
VNIC / NIC only (https://cloud.google.com/firewall/docs/firewalls,
https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.reference_eval.azure_estate import generate as azure_generate
from tests.reference_eval.harness import agree, fast
from tests.reference_eval.naive_aws import NaiveAws
from tests.reference_eval.naive_azure import NaiveAzure
from tests.reference_eval.naive_gcp import NaiveGcp
from tests.reference_eval.naive_oci import NaiveOci
from tests.reference_eval.projection import TRACKED

ROOT = Path(__file__).resolve().parents[2]


def _oci(tmp: Path) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    from oci_estate import generate

    return generate("XS", tmp / "oci", seed=5) / "snapshot"


CASES = {
    "aws": (NaiveAws, lambda tmp: ROOT / "fixtures" / "kickstart-aws"),
    "gcp": (NaiveGcp, lambda tmp: ROOT / "fixtures" / "kickstart"),
    "oci": (NaiveOci, _oci),
    "azure": (NaiveAzure, lambda tmp: azure_generate(tmp / "azure", seed=1)),
}


def _delivered(ref, topo):
    """The first delivered flow (in host order, tcp 443 / 5432 / 8080 / 22) that meets two filter steps or more."""
    hosts = ref.hosts()
    for port in (443, 5432, 8080, 22):
        for src in hosts:
            for dst in hosts:
                if src == dst:
                    continue
                r = ref.trace(src, dst, 6, port)
                if r is not None and r.verdict == "delivered" and sum(s.kind in ("in", "out") for s in r.forward) >= 2:
                    return r, fast(topo, src, dst, 6, port)
    raise AssertionError("no delivered flow with two filter steps")


@pytest.mark.parametrize("cloud", sorted(CASES))
def test_a_skipped_reordered_or_untracked_step_is_caught(cloud, tmp_path):
    from flightpath import load_snapshot

    make, where = CASES[cloud]
    root = where(tmp_path)
    ref = make(root)
    expected, got = _delivered(ref, load_snapshot(root, use_cache=False))
    assert agree(expected, got)
    fwd = list(expected.forward)
    filters = [i for i, s in enumerate(fwd) if s.kind in ("in", "out")]
    for i in filters:
        assert not agree(expected._replace(forward=tuple(fwd[:i] + fwd[i + 1:])), got), f"dropped step {fwd[i]}"
    for i in range(1, len(fwd) - 1):  # any two neighbours (the start and the delivery stay put)
        swapped = list(fwd)
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        if swapped != fwd:
            assert not agree(expected._replace(forward=tuple(swapped)), got), f"swapped {fwd[i]} and {fwd[i + 1]}"
    reply = [s._replace(detail="rules") if s.detail == TRACKED else s for s in expected.reply]
    if reply != list(expected.reply):
        assert not agree(expected._replace(reply=tuple(reply)), got)
