"""An IPSec connection whose tunnels (ListIPSecConnectionTunnels) are not in the snapshot: its Oracle-side
addresses and state are unknown, so a trace over it ends `unknown` naming the missing call (DESIGN: missing data
is `unknown`, never a confident verdict), not `no_route` because the two ends seem not to point at each other.
`--assume tunnels-up` carries on, trusting the far end that points at the connection's CPE, and says so."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import KICKSTART

from tests.cli.inproc import cli

TENANCY = "ocid1.tenancy.oc1..aaaaaaaakickstartlab"


@pytest.fixture(scope="module")
def lab_without_tunnels(tmp_path_factory):
    lab = tmp_path_factory.mktemp("no-tunnels")
    shutil.copytree(KICKSTART, lab, dirs_exist_ok=True)
    shutil.rmtree(lab / "oci" / TENANCY / "us-ashburn-1" / "ListIPSecConnectionTunnels")
    return lab


def _trace(lab, *args):
    r = cli("trace", *args, "--snapshot", str(lab), "--format", "json")
    assert r.code in (0, 1, 3), r.err
    return json.loads(r.out)


@pytest.mark.parametrize("src, dst, port", [("oci-app", "vm-oci-edge", "443"), ("vm-oci-edge", "oci-app", "22")])
def test_a_tunnel_whose_state_is_not_in_the_snapshot_is_unknown(lab_without_tunnels, src, dst, port):
    # the complete lab: oci-app -> vm-oci-edge:443 is delivered, vm-oci-edge -> oci-app:22 blocked in OCI (README)
    report = _trace(lab_without_tunnels, src, dst, "--port", port)
    assert report["verdict"] == "unknown", report["forward"]["reason"]
    assert "ListIPSecConnectionTunnels" in report["forward"]["reason"]


def test_assume_tunnels_up_carries_on_and_says_so(lab_without_tunnels):
    report = _trace(lab_without_tunnels, "oci-app", "vm-oci-edge", "--port", "443", "--assume", "tunnels-up")
    assert report["verdict"] == "delivered", report["forward"]["reason"]
    assert {a["name"] for a in report["assumptions"] if a["used"]} == {"tunnels-up"}
    assert any("tunnels-up" in h["assumptions"] for h in report["forward"]["hops"])
    blocked = _trace(lab_without_tunnels, "vm-oci-edge", "oci-app", "--port", "22", "--assume", "tunnels-up")
    assert blocked["verdict"] == "blocked" and blocked["first_block"]["resource"]["cloud"] == "oci"
