"""The multi-cloud lab's GCP half (fixtures/kickstart/gcp): an HA VPN with two tunnels to the AWS transit
gateway. Expected outcomes are fixtures/kickstart/README.md's GCP table, argued from the clouds' docs:
GCP firewall order https://cloud.google.com/firewall/docs/firewall-policies-rule-eval-order (the network uses
BEFORE_CLASSIC_FIREWALL, so the network policy comes before the VPC rules); Cloud NAT
https://cloud.google.com/nat/docs/overview; dynamic routes https://cloud.google.com/vpc/docs/routes#dynamic-routes;
AWS: the transit gateway routes by the table associated with the entry attachment; Azure: NSG defaults."""

from __future__ import annotations

from ipaddress import ip_address

import pytest
from gcp_helpers import KICKSTART, ingress_rule, trace

from flightpath.model import Check, GatewayKind, Verdict
from flightpath.topology import load_snapshot


@pytest.fixture(scope="module")
def topo():
    return load_snapshot(KICKSTART, use_cache=False)


def clouds(path) -> list[str]:
    return [h.resource.cloud for h in path.hops]


def test_the_gcp_half_loads_and_its_tunnels_meet_aws(topo):
    e = topo.estate
    gcp = [i for i in e.interfaces.values() if i.ref.cloud == "gcp"]
    assert sorted(i.instance.name for i in gcp) == ["vm-db", "vm-web"]
    links = {l.ref.name: l for l in e.vpn_links.values() if l.ref.cloud == "gcp"}
    assert links["tunnel-aws-0"].local_ips == (ip_address("35.220.10.1"),)
    assert links["tunnel-aws-0"].remote_ip == ip_address("52.0.3.1") and links["tunnel-aws-0"].up
    for name in ("tunnel-aws-0", "tunnel-aws-1"):
        far, _owner = topo.vpn_far_end(links[name])
        assert far.ref.cloud == "aws" and links[name].remote_ip in far.local_ips
    nat = next(g for g in e.gateways.values() if g.ref.name == "nat-kickstart")
    assert nat.kind is GatewayKind.NAT and nat.public_ips == (ip_address("34.86.0.10"),)
    assert not [w for w in e.warnings if "not a recognised" in w]


def test_g1_aws_to_gcp_https_is_delivered_with_hops_in_both_clouds(topo):
    t = trace(topo, "app-a", "vm-web", port=443)
    assert t.verdict is Verdict.DELIVERED
    assert clouds(t.forward)[0] == "aws" and clouds(t.forward)[-1] == "gcp"
    spokes = next(h for h in t.forward.hops if h.resource.name == "spokes-rt")
    assert spokes.route.destination == "10.200.0.0/16" and spokes.route.target == "tgw-attach-07a8b9c0d1e2f0005"
    assert ingress_rule(t) == "allow-aws-https"
    # the reply: BGP route 10.0.0.0/14 via tunnel-aws-0 (priority 100 beats tunnel-aws-1's 200), back into the TGW
    assert t.reply.verdict is Verdict.DELIVERED
    back = [h.resource.name for h in t.reply.hops]
    assert back.index("routes of vpc-gcp") < back.index("tunnel-aws-0") < back.index("transit-rt")


def test_g2_aws_to_gcp_ssh_is_blocked_by_the_network_policy(topo):
    # BEFORE_CLASSIC_FIREWALL: fp-kickstart (rule 100 deny tcp 22 from 10/8) is evaluated before the VPC rule
    # allow-aws-ssh, which would allow it
    t = trace(topo, "app-a", "vm-web", port=22)
    assert t.verdict is Verdict.BLOCKED
    assert t.first_block.rule.label == "fp-kickstart rule 100 (deny-ssh-from-private)"
    assert t.first_block.code == "FIREWALL_RULE" and t.first_block.resource.cloud == "gcp"


def test_g3_gcp_to_azure_through_aws_is_blocked_by_the_azure_nsg(topo):
    # GCP learns 10.100.0.0/14 over BGP; transit-rt sends it to the Azure VPN; vm-spoke1's NSG admits only
    # 10.1.0.0/16 (allow-aws-ssh-https) and the VirtualNetwork tag (which holds lng-aws's 10.0.0.0/14, not GCP's
    # 10.200.0.0/16): DenyAllInBound. (Azure would also have no route back: lng-aws lists 10.0.0.0/14 only.)
    t = trace(topo, "vm-web", "vm-spoke1", port=443)
    assert t.verdict is Verdict.BLOCKED
    assert {"gcp", "aws", "azure"} <= set(clouds(t.forward))
    assert t.first_block.rule.label == "DenyAllInBound" and t.first_block.code == "NSG_DENY"


def test_g4_cloud_nat_egress(topo):
    t = trace(topo, "vm-web", "8.8.8.8", port=443)
    assert t.verdict is Verdict.EXITED
    nat = next(h for h in t.forward.hops if h.check is Check.NAT)
    assert nat.resource.name == "nat-kickstart" and "34.86.0.10" in nat.reason


def test_g5_service_account_rule_and_implied_deny(topo):
    assert ingress_rule(trace(topo, "vm-web", "vm-db", port=5432)) == "allow-web-to-db"
    t = trace(topo, "vm-db", "vm-web", port=443)  # allow-aws-https admits 10.0.0.0/14 only
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "implied deny ingress"
