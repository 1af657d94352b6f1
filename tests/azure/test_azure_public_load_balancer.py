"""Issue 10.3 (Azure): a public Azure Load Balancer frontend, inbound NAT rules, outbound rules, rule health
and the AzureLoadBalancer probe source.

LB      https://learn.microsoft.com/azure/load-balancer/load-balancer-overview (pass-through: the backend
        sees the client's IP, so the backend's NSGs must admit the client; only configured rules forward)
COMP    https://learn.microsoft.com/azure/load-balancer/components (frontend public IP; rules map a frontend
        port to the backend port of every pool member)
NAT     https://learn.microsoft.com/azure/load-balancer/inbound-nat-rules (frontend port -> one backend VM's
        port; v2 rules: a frontend port range over a backend pool)
OUT     https://learn.microsoft.com/azure/load-balancer/outbound-rules (pool members egress by SNAT to the
        rule's frontend public IPs; "outbound rules apply only when the backend VM doesn't have an
        instance-level public IP")
DOA     https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access (a load balancer
        outbound rule is explicit outbound connectivity; a private subnet without one has none)
HEALTH  https://learn.microsoft.com/rest/api/load-balancer/load-balancer-load-balancing-rules/health (per
        backend Up/Down); LB: new flows go to healthy backends only
PROBE   https://learn.microsoft.com/azure/load-balancer/load-balancer-custom-probe-overview#probe-source-ip-address
        (probes come from AzureLoadBalancer, 168.63.129.16; an NSG that denies it fails the probe)
"""

from __future__ import annotations

import json
from ipaddress import ip_address

from azure_builder import LOCATION, SUBSCRIPTION, AzureScenario, rule

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model.outcome import Check, Decision, Verdict
from flightpath.questions.exposure import exposure

PIP = "20.60.0.10"


def _lb(b: AzureScenario, *, nat_range=False, outbound=True, rule_protocol="Tcp", sku="Standard",
        rule_snat=False) -> str:
    lb = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-test/providers/Microsoft.Network/loadBalancers/plb"
    fe = {"id": f"{lb}/frontendIPConfigurations/fe-pub"}
    pool = {"id": f"{lb}/backendAddressPools/be"}
    nic = lambda vm: {"id": b.id(f"{vm}-nic") + "/ipConfigurations/ipconfig1"}  # noqa: E731
    nat_rules = [{"name": "ssh-vm1", "id": f"{lb}/inboundNatRules/ssh-vm1", "properties": {
                     "frontendIPConfiguration": fe, "protocol": "Tcp", "frontendPort": 50001, "backendPort": 22,
                     "backendIPConfiguration": nic("vm1")}},
                 {"name": "ssh-vm2", "id": f"{lb}/inboundNatRules/ssh-vm2", "properties": {
                     "frontendIPConfiguration": fe, "protocol": "Tcp", "frontendPort": 50002, "backendPort": 22,
                     "backendIPConfiguration": nic("vm2")}}]
    if nat_range:
        nat_rules = [{"name": "ssh-pool", "id": f"{lb}/inboundNatRules/ssh-pool", "properties": {
            "frontendIPConfiguration": fe, "protocol": "Tcp", "frontendPortRangeStart": 50000,
            "frontendPortRangeEnd": 50099, "backendPort": 22, "backendAddressPool": pool}}]
    body = {"value": [{"name": "plb", "id": lb, "type": "Microsoft.Network/loadBalancers", "location": LOCATION,
                       "sku": {"name": sku}, "properties": {
        "frontendIPConfigurations": [{"name": "fe-pub", "id": fe["id"], "properties": {
            "publicIPAddress": {"id": b.id("pip-lb")}}}],
        "backendAddressPools": [{"name": "be", "id": pool["id"], "properties": {
            "backendIPConfigurations": [nic("vm1"), nic("vm2")]}}],
        "loadBalancingRules": [{"name": "r443", "id": f"{lb}/loadBalancingRules/r443", "properties": {
            "frontendIPConfiguration": fe, "backendAddressPool": pool, "protocol": rule_protocol,
            "frontendPort": 443, "backendPort": 443, "probe": {"id": f"{lb}/probes/p443"},
            "disableOutboundSnat": not rule_snat}}],
        "probes": [{"name": "p443", "id": f"{lb}/probes/p443", "properties": {"protocol": "Tcp", "port": 443}}],
        "inboundNatRules": nat_rules,
        "outboundRules": [{"name": "out", "id": f"{lb}/outboundRules/out", "properties": {
            "frontendIPConfigurations": [fe], "backendAddressPool": pool, "protocol": "All"}}] if outbound else []}}]}
    (b.root / "azure" / SUBSCRIPTION / "loadBalancers.json").write_text(json.dumps(body))
    return lb


def _lab(tmp_path, *, vm2_open=False, probe_denied=False, health=None, health_ips=True, vm1_pip=False,
         nat_gateway=False, **lb_opts):
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("web", "vnet1", "10.0.2.0/24", default_outbound=False,  # a private subnet (DOA)
             nat="natgw" if nat_gateway else "")
    b.public_ip("pip-lb", PIP)
    b.public_ip("pip-vm1", "20.60.0.20")
    b.public_ip("pip-nat", "20.60.0.30")
    b.nat_gateway("natgw", ["pip-nat"])
    open_rules = [rule("allow-https", 100, "Inbound", "Allow", "Tcp", src="Internet", ports="443"),
                  rule("allow-ssh", 110, "Inbound", "Allow", "Tcp", src="Internet", ports="22")]
    b.nsg("nsg-open", open_rules)
    closed = [rule("deny-probe", 100, "Inbound", "Deny", "Tcp", src="AzureLoadBalancer", ports="443")] \
        if probe_denied else []
    b.nsg("nsg-closed", closed + ([r | {"properties": r["properties"] | {"priority": 200 + i}}
                                    for i, r in enumerate(open_rules)] if vm2_open else []))
    b.vm("vm1", "web", "10.0.2.4", nsg="nsg-open", public_ip="pip-vm1" if vm1_pip else "")
    b.vm("vm2", "web", "10.0.2.5", nsg="nsg-closed")
    b.vm("vm3", "web", "10.0.2.6")  # not in the pool
    root = b.write()
    lb = _lb(b, **lb_opts)
    if health is not None:
        folder = root / "azure" / SUBSCRIPTION / "LoadBalancerRuleHealth" / "plb"
        folder.mkdir(parents=True)
        (folder / "r443.json").write_text(json.dumps({"up": sum(s == "Up" for s in health.values()),
                                                      "down": sum(s == "Down" for s in health.values()),
                                                      "loadBalancerBackendAddresses": [
            {**({"ipAddress": ip} if health_ips else {}),
             "networkInterfaceIPConfigurationId": b.id(f"{vm}-nic") + "/ipConfigurations/ipconfig1",
             "state": state, "reason": state if state == "Up" else "Probe failed"}
            for vm, (ip, state) in {"vm1": ("10.0.2.4", health.get("vm1")), "vm2": ("10.0.2.5", health.get("vm2"))}
            .items() if state]}))
    return load_snapshot(root, use_cache=False), lb


def trace(topo, src, dst, port, proto="tcp"):
    return run_query(topo, Query(src, dst, proto, port)).trace


def test_internet_to_public_frontend_reaches_each_backend_through_its_nsg(tmp_path):
    topo, lb = _lab(tmp_path, vm2_open=True)
    t = trace(topo, "internet", PIP, 443)
    # COMP/LB: rule r443 forwards the frontend's 443 to both pool members; their NSGs admit Internet on 443
    assert t.verdict is Verdict.DELIVERED, t.forward.reason
    assert sorted(br.verdict.value for br in t.branches) == ["delivered", "delivered"]
    assert any(h.resource.id == lb and h.check is Check.FORWARD for h in t.forward.hops)
    # LB: pass-through, the backend sees the internet client's own address
    last = t.forward.hops[-1]
    assert last.decision is Decision.DELIVER and last.packet.src == ip_address("198.51.100.1")
    # the reply leaves with the frontend's public address as its source, back to the internet client
    assert t.reply is not None and t.reply.verdict is Verdict.EXITED, t.reply.reason
    assert any(h.check is Check.NAT and h.packet.src == ip_address(PIP) for h in t.reply.hops)


def test_backend_nsg_that_denies_the_client_makes_the_branches_differ(tmp_path):
    topo, _lb = _lab(tmp_path)
    t = trace(topo, "internet", PIP, 443)
    # LB: vm2's NSG (no allow for Internet, DenyAllInBound) drops the client; vm1's admits it
    assert t.verdict is Verdict.AMBIGUOUS
    by_label = {br.label.split(" ")[0]: br for br in t.branches}
    assert len(by_label) == 2 and sorted(br.verdict.value for br in t.branches) == ["blocked", "delivered"]
    blocked = next(br for br in t.branches if br.blocked)
    assert any(h.blocking and h.resource.id.endswith("vm2-nic") for h in blocked.hops)


def test_port_without_a_rule_on_the_public_frontend_is_blocked_by_the_load_balancer(tmp_path):
    topo, lb = _lab(tmp_path, vm2_open=True)
    t = trace(topo, "internet", PIP, 80)
    # LB: only ports with a load-balancing or inbound NAT rule are forwarded
    assert t.verdict is Verdict.BLOCKED and t.first_block.resource.id == lb


def test_udp_to_a_tcp_rule_is_blocked(tmp_path):
    topo, lb = _lab(tmp_path, vm2_open=True)
    # COMP: a rule forwards its own protocol (Tcp) only
    t = trace(topo, "internet", PIP, 443, "udp")
    assert t.verdict is Verdict.BLOCKED and t.first_block.resource.id == lb


def test_inbound_nat_rule_forwards_to_its_one_backend_port(tmp_path):
    topo, _lb = _lab(tmp_path)
    t = trace(topo, "internet", PIP, 50001)
    # NAT: frontend 50001 -> vm1:22 only (no branches), and vm1's NSG allows 22 from Internet
    assert t.verdict is Verdict.DELIVERED, t.forward.reason
    assert not t.branches
    last = t.forward.hops[-1]
    assert last.packet.dst == ip_address("10.0.2.4") and last.packet.dst_port == 22
    assert "vm1-nic" in last.resource.id or "vm1-nic" in (last.interface.id if last.interface else "")
    # NAT: rule ssh-vm2 goes to vm2, whose NSG does not admit 22 from the internet
    t2 = trace(topo, "internet", PIP, 50002)
    assert t2.verdict is Verdict.BLOCKED and t2.first_block.resource.id.endswith("vm2-nic")
    assert "nsg-closed" in t2.first_block.rule.resource.id


def test_inbound_nat_rule_port_range_over_a_pool_evaluates_every_member(tmp_path):
    topo, _lb = _lab(tmp_path, nat_range=True)
    t = trace(topo, "internet", PIP, 50042)
    # NAT (v2): each member owns one port of 50000-50099, a mapping Azure assigns (not in the ARM resource):
    # vm1 admits 22 from the internet, vm2 does not, so the answer depends on the member: ambiguous
    assert t.verdict is Verdict.AMBIGUOUS
    assert any("ListInboundNatRulePortMappings" in w for w in t.warnings)
    # outside the range no rule listens
    assert trace(topo, "internet", PIP, 50100).verdict is Verdict.BLOCKED


def test_outbound_rule_gives_pool_members_internet_egress_through_the_frontend_ip(tmp_path):
    topo, _lb = _lab(tmp_path)
    t = trace(topo, "vm1", "8.8.8.8", 443)
    # OUT + DOA: vm1 is in a private subnet without a NAT gateway, but in the pool of an outbound rule: its
    # internet traffic leaves translated to the load balancer's frontend public IP (not default outbound)
    assert t.verdict is Verdict.EXITED, t.forward.reason
    nat = [h for h in t.forward.hops if h.check is Check.NAT]
    assert nat and nat[-1].packet.src == ip_address(PIP)
    assert not any("default outbound access" in w for w in t.warnings)
    assert t.reply is not None and t.reply.verdict is Verdict.DELIVERED, t.reply.reason
    # DOA: vm3, in the same private subnet but in no pool, has no internet
    t3 = trace(topo, "vm3", "8.8.8.8", 443)
    assert t3.verdict is Verdict.BLOCKED and "defaultOutboundAccess" in t3.forward.reason


def test_without_outbound_rule_a_private_subnet_member_has_no_internet(tmp_path):
    topo, _lb = _lab(tmp_path, outbound=False)
    # DOA: the rule disables outbound SNAT and no outbound rule exists: the private subnet has no egress
    t = trace(topo, "vm1", "8.8.8.8", 443)
    assert t.verdict is Verdict.BLOCKED


def test_rule_health_excludes_down_backends_with_the_reason(tmp_path):
    topo, _lb = _lab(tmp_path, health={"vm1": "Up", "vm2": "Down"})
    t = trace(topo, "internet", PIP, 443)
    # HEALTH/LB: vm2 is Down for r443, so new flows go to vm1 only (whose NSG admits the client)
    assert t.verdict is Verdict.DELIVERED, t.forward.reason
    assert t.forward.hops[-1].packet.dst == ip_address("10.0.2.4")
    assert any("get no traffic" in w and "vm2" in w and "Probe failed" in w for w in t.warnings)
    assert not any("health probe state is not part" in w for w in t.warnings)


def test_without_rule_health_every_backend_is_evaluated_with_a_warning(tmp_path):
    topo, _lb = _lab(tmp_path, vm2_open=True)
    t = trace(topo, "internet", PIP, 443)
    assert any("health probe state is not part" in w for w in t.warnings)


def test_nsg_denying_the_azure_load_balancer_probe_is_named(tmp_path):
    topo, _lb = _lab(tmp_path, vm2_open=True, probe_denied=True)
    t = trace(topo, "internet", PIP, 443)
    # PROBE: vm2's NSG denies AzureLoadBalancer on the probe port 443: the probe fails, vm2 is marked down
    assert any("denies the health probe" in w and "10.0.2.5" in w and "deny-probe" in w for w in t.warnings)
    assert not any("denies the health probe" in w and "10.0.2.4" in w for w in t.warnings)


def test_exposure_lists_the_public_frontend(tmp_path):
    topo, lb = _lab(tmp_path, vm2_open=True)
    res = exposure(topo)
    fronts = [x for x in res.exposed if x.interface.owner is not None and x.interface.owner.id == lb]
    # COMP/NAT: from the internet the frontend admits its rule port 443 and the NAT rule ports 50001-50002
    assert len(fronts) == 1 and str(fronts[0].address) == PIP
    opened = fronts[0].open
    assert "443" in opened and "50001" in opened and "50002" in opened, opened


def test_from_another_cloud_to_the_public_frontend(tmp_path):
    """An AWS instance with an Elastic IP reaches the Azure public frontend across the internet; the
    backend sees the instance's public address (LB: pass-through), so the backend NSG's Internet rule
    decides, and the reply comes back from the frontend's address to the Elastic IP."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "aws"))
    from scenario_builder import AwsScenario

    a = AwsScenario(tmp_path)
    a.vpc("v", "10.9.0.0/16")
    a.subnet("pub", "v", "10.9.1.0/24")
    a.igw("igw", "v")
    a.main_routes("v", [a.route("0.0.0.0/0", "igw")])
    a.instance("aws1", "pub", "10.9.1.10", eip="3.3.3.3")
    a.write()
    _topo, lb = _lab(tmp_path, vm2_open=True)
    topo = load_snapshot(tmp_path, use_cache=False)
    t = trace(topo, "aws1", PIP, 443)
    assert t.verdict is Verdict.DELIVERED, t.forward.reason
    assert t.forward.hops[-1].packet.src == ip_address("3.3.3.3")
    assert any(h.resource.id == lb for h in t.forward.hops)
    assert t.reply is not None and t.reply.verdict is Verdict.DELIVERED, t.reply.reason


def test_reach_splits_at_an_inbound_nat_port_range(tmp_path):
    from flightpath.questions.reach import reach
    from flightpath.topology.endpoints import resolve

    topo, _lb = _lab(tmp_path, nat_range=True, vm2_open=True)
    r = reach(topo, resolve(topo, "internet", "source"), PIP, protocol=6)
    # NAT (v2): the whole frontend range 50000-50099 forwards (both members admit 22 from the internet),
    # 443 by the rule, nothing else
    opened = sorted(s.dst_ports for s in r.open_segments)
    assert opened == [(443, 443), (50000, 50099)], opened


def test_rule_health_matched_by_ip_configuration_id_alone(tmp_path):
    topo, _lb = _lab(tmp_path, health={"vm1": "Down", "vm2": "Up"}, health_ips=False, vm2_open=True)
    t = trace(topo, "internet", PIP, 443)
    # HEALTH: the entry names the NIC ipConfiguration only; vm1 is Down, so the flow goes to vm2
    assert t.verdict is Verdict.DELIVERED and t.forward.hops[-1].packet.dst == ip_address("10.0.2.5")


def test_vm_public_ip_and_subnet_nat_gateway_come_before_the_outbound_rule(tmp_path):
    # OUT: "outbound rules apply only when the backend VM doesn't have an instance-level public IP"
    topo, _lb = _lab(tmp_path, vm1_pip=True)
    nat = [h for h in trace(topo, "vm1", "8.8.8.8", 443).forward.hops if h.check is Check.NAT]
    assert nat and nat[-1].packet.src == ip_address("20.60.0.20")
    # a NAT gateway on the subnet takes precedence over the load balancer's outbound SNAT
    # (https://learn.microsoft.com/azure/virtual-network/nat-gateway/nat-gateway-resource#outbound-connectivity)
    topo, _lb = _lab(tmp_path / "nat", nat_gateway=True)
    nat = [h for h in trace(topo, "vm1", "8.8.8.8", 443).forward.hops if h.check is Check.NAT]
    assert nat and nat[-1].packet.src == ip_address("20.60.0.30")


def test_basic_public_load_balancer_pool_member_egresses_through_the_frontend(tmp_path):
    # DOA: "deployed in the backend pool of a basic public load balancer" is explicit outbound connectivity
    topo, _lb = _lab(tmp_path, sku="Basic", outbound=False)
    t = trace(topo, "vm1", "8.8.8.8", 443)
    assert t.verdict is Verdict.EXITED, t.forward.reason
    assert [h for h in t.forward.hops if h.check is Check.NAT][-1].packet.src == ip_address(PIP)
    # a Standard one without outbound rules gives none (the rule's disableOutboundSnat is true here)
    topo, _lb = _lab(tmp_path / "std", outbound=False)
    assert trace(topo, "vm1", "8.8.8.8", 443).verdict is Verdict.BLOCKED


def test_a_standard_rule_without_disable_outbound_snat_gives_its_pool_egress(tmp_path):
    # LoadBalancingRule.disableOutboundSnat (ARM reference, https://learn.microsoft.com/rest/api/load-balancer/
    # load-balancers/get): left false, the rule "configures SNAT for the VMs in the backend pool to use the publicIP
    # address specified in the frontend": pool members egress as the frontend's address, even in a private subnet
    topo, _lb = _lab(tmp_path, outbound=False, rule_snat=True)
    t = trace(topo, "vm1", "8.8.8.8", 443)
    assert t.verdict is Verdict.EXITED, t.forward.reason
    assert [h for h in t.forward.hops if h.check is Check.NAT][-1].packet.src == ip_address(PIP)
    # DOA: vm3 is in the same private subnet but in no pool
    assert trace(topo, "vm3", "8.8.8.8", 443).verdict is Verdict.BLOCKED
