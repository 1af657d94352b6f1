"""Remote peering (two DRGs in two regions) and FastConnect virtual circuits, one estate for the module.

Docs: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/remoteVCNpeering.htm (remote VCN peering through DRGs and
RPCs) and https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnectoverview.htm (virtual circuits).

  us-ashburn-1: VCN east 10.1.0.0/16 (eastvm) -- att-east -- drg-east -- rpc-east ==\\
  us-phoenix-1: VCN west 10.2.0.0/16 (westvm) -- att-west -- drg-west -- rpc-west ==/  (PEERED)
  drg-east: vc-up (PROVISIONED, BGP UP) for 192.168.0.0/16; vc-down (BGP DOWN) for 172.16.0.0/12
"""

from __future__ import annotations

import pytest
from conftest import names, trace
from oci_builder import OciScenario, egress, ingress

from flightpath import load_snapshot
from flightpath.model.outcome import Verdict


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    root = tmp_path_factory.mktemp("oci-rpc")
    for region, side, other, octet in (("us-ashburn-1", "east", "west", 1), ("us-phoenix-1", "west", "east", 2)):
        b = OciScenario(root, region=region)
        b.vcn(side, f"10.{octet}.0.0/16")
        b.security_list(f"{side}-sl", side, ingress=[ingress("10.0.0.0/8")], egress=[egress("0.0.0.0/0")])
        b.route_table(f"{side}-rt", side, [("0.0.0.0/0", b.id("drg", f"drg-{side}"))])
        b.subnet(f"{side}-sub", side, f"10.{octet}.1.0/24", f"{side}-rt", [f"{side}-sl"])
        b.instance(f"{side}vm", f"{side}-sub", f"10.{octet}.1.10")
        b.drg(f"drg-{side}")
        b.drg_vcn_attachment(f"att-{side}", f"drg-{side}", side, drg_table=f"{side}-vcn-table")
        b.rpc(f"rpc-{side}", f"drg-{side}", f"rpc-{other}", "us-phoenix-1" if side == "east" else "us-ashburn-1")
        b.drg_rpc_attachment(f"att-rpc-{side}", f"drg-{side}", f"rpc-{side}", drg_table=f"{side}-rpc-table")
        rules = [b.drg_rule(f"10.{3 - octet}.0.0/16", f"att-rpc-{side}", "DYNAMIC", "REMOTE_PEERING_CONNECTION")]
        if side == "east":
            b.virtual_circuit("vc-up", "drg-east")
            b.virtual_circuit("vc-down", "drg-east", bgp="DOWN")
            b.drg_vc_attachment("att-vc-up", "drg-east", "vc-up")
            b.drg_vc_attachment("att-vc-down", "drg-east", "vc-down")
            rules += [b.drg_rule("192.168.0.0/16", "att-vc-up", "DYNAMIC", "VIRTUAL_CIRCUIT"),
                      b.drg_rule("172.16.0.0/12", "att-vc-down", "DYNAMIC", "VIRTUAL_CIRCUIT")]
        b.drg_route_table(f"{side}-vcn-table", f"drg-{side}", rules)
        b.drg_route_table(f"{side}-rpc-table", f"drg-{side}",
                          [b.drg_rule(f"10.{octet}.0.0/16", f"att-{side}", "DYNAMIC", "VCN")])
        b.write()
    return load_snapshot(root, use_cache=False)


def test_remote_peering_crosses_both_drgs_by_their_rpc_attachment_tables(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/remoteVCNpeering.htm
    # the packet leaves through the local DRG's RPC and the remote DRG routes it into its VCN
    t = trace(topo, "eastvm", "westvm", port=22)
    assert t.verdict is Verdict.DELIVERED
    fwd = names(t.forward)
    assert fwd.index("east-vcn-table") < fwd.index("att-rpc-east") < fwd.index("west-rpc-table") < fwd.index("att-west")
    assert "east-rpc-table" in names(t.reply)
    assert {h.resource.region for h in t.forward.hops} == {"us-ashburn-1", "us-phoenix-1"}


def test_a_virtual_circuit_with_bgp_up_leaves_the_estate_and_one_down_drops(topo):
    # https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/fastconnectoverview.htm
    # traffic flows over a provisioned virtual circuit whose BGP session is up
    up = trace(topo, "eastvm", "192.168.1.1", port=443)
    assert up.forward.verdict is Verdict.EXITED and up.forward.hops[-1].resource.name == "vc-up"
    down = trace(topo, "eastvm", "172.16.1.1", port=443)
    # the virtual circuit itself is named, with its bgpSessionState (the circuit is in the snapshot, so it is a
    # link of its own, as an IPSec connection is: collectors/oci/drg.py _virtual_circuits)
    assert down.verdict is Verdict.NO_ROUTE and down.forward.hops[-1].resource.name == "vc-down"
    assert "bgpSessionState" in down.forward.reason
