"""A NAT gateway asked to carry a private destination refuses it: `blocked` by the NAT gateway (issue 10 class 1,
"same rule on every cloud"), not `no_route` after a translation that never happens.

https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/NATgateway.htm: a NAT gateway gives hosts without public
IPs access to the internet; a private (RFC 1918 / RFC 6598) address is not on the internet, so the route to the NAT
gateway is the mistake (the destination needs a DRG, LPG or private-IP route).
"""

from __future__ import annotations

from conftest import trace
from oci_builder import OciScenario, egress, ingress

from flightpath import load_snapshot
from flightpath.model.outcome import Check, Verdict


def test_a_private_destination_through_a_nat_gateway_is_blocked_by_it(tmp_path):
    b = OciScenario(tmp_path)
    b.vcn("n", "10.60.0.0/16")
    b.security_list("n-sl", "n", ingress=[ingress("10.0.0.0/8")], egress=[egress("0.0.0.0/0")])
    b.route_table("n-rt", "n", [("0.0.0.0/0", b.id("natgateway", "nat-n"))])
    b.nat("nat-n", "n", "129.146.60.1")
    b.subnet("n-sub", "n", "10.60.1.0/24", "n-rt", ["n-sl"])
    b.instance("nvm", "n-sub", "10.60.1.10")
    topo = load_snapshot(b.write(), use_cache=False)
    for dst in ("10.9.9.9", "172.16.0.1", "100.64.0.1"):
        t = trace(topo, "nvm", dst, port=443)
        assert t.verdict is Verdict.BLOCKED, (dst, t.forward.reason)
        assert t.first_block.resource.name == "nat-n" and t.first_block.resource.type == "nat-gateway"
        assert not any(h.check is Check.NAT and h.decision.value == "translate" for h in t.forward.hops)
        assert dst in t.first_block.reason and "private" in t.first_block.reason
    # the internet through the same gateway still exits, translated
    out = trace(topo, "nvm", "8.8.8.8", port=443)
    assert out.verdict is Verdict.EXITED
