"""Issue 10.6: Azure default outbound access.

DOA  https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access
     "a VM deployed in a virtual network without explicit outbound connectivity is assigned a default
     outbound public IP address"; explicit methods are a NAT gateway, a public IP on the NIC, or a load
     balancer outbound rule; "private subnets" (defaultOutboundAccess false) have no default outbound
     access, and the method is being retired (new VNets default to private subnets).
"""

from __future__ import annotations

from azure_builder import AzureScenario

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model.outcome import Check, Decision, Verdict


def trace(topo, src, dst, proto="tcp", port=None):
    return run_query(topo, Query(src, dst, proto, port)).trace


def _lab(tmp_path):
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("legacy", "vnet1", "10.0.1.0/24")  # property absent: default outbound access applies
    b.subnet("explicit", "vnet1", "10.0.3.0/24", default_outbound=True)
    b.subnet("private", "vnet1", "10.0.2.0/24", default_outbound=False)
    b.subnet("private-nat", "vnet1", "10.0.4.0/24", default_outbound=False, nat="natgw")
    b.nat_gateway("natgw", ["pip-nat"])
    b.public_ip("pip-nat", "20.50.0.1")
    b.public_ip("pip-own", "20.50.0.2")
    b.vm("vm1", "legacy", "10.0.1.4")
    b.vm("vm3", "explicit", "10.0.3.4")
    b.vm("vm2", "private", "10.0.2.4")
    b.vm("vm4", "private-nat", "10.0.4.4")
    b.vm("vm5", "private", "10.0.2.5", public_ip="pip-own")
    return load_snapshot(b.write(), use_cache=False)


def test_default_outbound_access_exits_with_a_deprecation_warning(tmp_path):
    topo = _lab(tmp_path)
    for vm, subnet in (("vm1", "legacy"), ("vm3", "explicit")):
        t = trace(topo, vm, "8.8.8.8", port=443)
        # DOA: no explicit outbound method -> a default outbound public IP: the VM reaches the internet
        assert t.verdict is Verdict.EXITED, t.forward.reason
        nat = [h for h in t.forward.hops if h.check is Check.NAT]
        assert nat and nat[0].decision is Decision.TRANSLATE and nat[0].resource.name == "default outbound access"
        # the warning names the retirement and the subnet setting that turns it off
        w = [w for w in t.warnings if "default outbound access" in w]
        assert w and subnet in w[0] and "retiring" in w[0] and "defaultOutboundAccess" in w[0]
        assert t.reply is not None and t.reply.verdict is Verdict.DELIVERED
        # UDP and ICMP too (the default outbound address is a SNAT like a NAT gateway's)
        assert trace(topo, vm, "8.8.8.8", "udp", 53).verdict is Verdict.EXITED


def test_private_subnet_without_explicit_outbound_is_blocked_with_that_reason(tmp_path):
    topo = _lab(tmp_path)
    t = trace(topo, "vm2", "8.8.8.8", port=443)
    # DOA: a private subnet (defaultOutboundAccess false) has no default outbound access: no way out
    assert t.verdict is Verdict.BLOCKED
    fb = t.first_block
    assert fb is not None and "defaultOutboundAccess: false" in fb.reason and "NAT gateway" in fb.reason
    assert not any("default outbound access" in w for w in t.warnings)


def test_explicit_outbound_methods_win_in_a_private_subnet(tmp_path):
    topo = _lab(tmp_path)
    # DOA: a NAT gateway on the subnet is explicit outbound connectivity: out on its public IP, no warning
    t = trace(topo, "vm4", "8.8.8.8", port=443)
    assert t.verdict is Verdict.EXITED and t.forward.hops[-1].packet.src.exploded == "20.50.0.1"
    assert not any("default outbound access" in w for w in t.warnings)
    # DOA: a public IP on the NIC is explicit too
    t = trace(topo, "vm5", "8.8.8.8", port=443)
    assert t.verdict is Verdict.EXITED and t.forward.hops[-1].packet.src.exploded == "20.50.0.2"
