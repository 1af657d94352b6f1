"""Firewall policies beyond the basics: getEffectiveFirewalls as ground truth, regional network policies,
secure tags (not evaluable: unknown), classic VPN. Expected verdicts argued from GCP's docs."""

from __future__ import annotations

import pytest
from gcp_builder import GcpLab, proto, tcp
from gcp_helpers import ingress_rule, trace

from flightpath.model import Verdict
from flightpath.topology import load_snapshot

ORDER = "https://cloud.google.com/firewall/docs/firewall-policies-rule-eval-order"


def rule(priority: int, action: str, port: str, **extra) -> dict:
    return {"priority": priority, "action": action, "direction": "INGRESS",
            "match": {"srcIpRanges": ["10.0.0.0/8"], "layer4Configs": [{"ipProtocol": "tcp", "ports": [port]}]}, **extra}


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    lab = GcpLab("pol-lab")
    for net, cidr, region in (("e", "10.60.1.0/24", "us-central1"), ("g", "10.61.1.0/24", "us-central1"),
                              ("g", "10.61.2.0/24", "europe-west1")):
        if not any(n["name"] == net for n in lab.res.get("networks", [])):
            # g: network policies before the VPC rule g-allow, which would otherwise decide first (ORDER)
            lab.network(net, **({"networkFirewallPolicyEnforcementOrder": "BEFORE_CLASSIC_FIREWALL"} if net == "g" else {}))
        lab.subnet(f"{net}-{region}", net, cidr, region=region)
    lab.vm("e1", "e-us-central1", "10.60.1.10")
    lab.vm("e2", "e-us-central1", "10.60.1.11")
    lab.vm("g1", "g-us-central1", "10.61.1.10")
    lab.vm("g2", "g-us-central1", "10.61.1.11")
    lab.vm("g3", "g-europe-west1", "10.61.2.10", zone="europe-west1-b")
    # the firewalls list says allow 80 in e; getEffectiveFirewalls says otherwise: it wins for e
    lab.firewall("e-allow-80", "e", allowed=[tcp(80)], source_ranges=["10.0.0.0/8"])
    lab.firewall("g-allow", "g", allowed=[proto("all")], source_ranges=["10.0.0.0/8"])
    lab.effective["e"] = {"firewalls": [
        {"kind": "compute#firewall", "name": "e-allow-443", "network": lab.net("e"), "priority": 1000,
         "direction": "INGRESS", "sourceRanges": ["10.0.0.0/8"], "allowed": [tcp(443)],
         "selfLink": lab.link("global/firewalls/e-allow-443")}],
        "firewallPolicys": [{"name": "9001", "type": "HIERARCHY", "shortName": "org-base", "displayName": "org-base",
                             "rules": [rule(10, "deny", "8443")]}]}
    lab.policy("eu-only", [rule(100, "deny", "9090")], networks=["g"], region="europe-west1")
    lab.policy("tagged", [rule(200, "deny", "7070", targetSecureTags=[{"name": "tagValues/123"}])], networks=["g"])
    return load_snapshot(lab.write(tmp_path_factory.mktemp("gcp-pol")), use_cache=False)


def test_effective_firewalls_are_ground_truth_for_their_network(topo):
    # getEffectiveFirewalls returns "the effective firewalls on a given network" (REST networks.getEffectiveFirewalls)
    assert ingress_rule(trace(topo, "e1", "e2", port=443)) == "e-allow-443"
    t = trace(topo, "e1", "e2", port=80)  # e-allow-80 from the list is not effective
    assert t.verdict is Verdict.BLOCKED and t.first_block.rule.label == "implied deny ingress"
    # its HIERARCHY policy is evaluated before the VPC rules (ORDER)
    assert trace(topo, "e1", "e2", port=8443).first_block.rule.label == "org-base rule 10"


def test_regional_policy_applies_only_in_its_region(topo):
    # a regional network firewall policy applies to VMs in its region (ORDER, step 5)
    assert trace(topo, "g1", "g3", port=9090).first_block.rule.label == "eu-only rule 100"
    assert trace(topo, "g3", "g2", port=9090).verdict is Verdict.DELIVERED


def test_secure_tag_targets_are_unknown_not_guessed(topo):
    t = trace(topo, "g1", "g2", port=7070)
    assert t.verdict is Verdict.UNKNOWN and "targetSecureTags" in t.forward.reason
