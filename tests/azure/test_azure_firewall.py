"""Azure Firewall as a virtual-appliance next hop: its network rules decide, by priority.

Sources:
  FWRULES https://learn.microsoft.com/azure/firewall/rule-processing ("Rule collections are processed
          according to the rule type in priority order, lower numbers to higher numbers"; rule collection
          groups by priority, then the collections in them; "If there's no ... rule match, ... traffic is denied")
  UDR     https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview (VirtualAppliance next hop)
"""

from __future__ import annotations

from azure_builder import AzureScenario

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model.outcome import Verdict


def trace(topo, src, dst, proto="tcp", port=None):
    return run_query(topo, Query(src, dst, proto, port)).trace


def net_rule(name, ports, src="*", dst="*", protocols=("TCP",), fqdns=()):
    r = {"name": name, "protocols": list(protocols), "sourceAddresses": [src] if isinstance(src, str) else list(src),
         "destinationPorts": list(ports)}
    if fqdns:
        r["destinationFqdns"] = list(fqdns)
    else:
        r["destinationAddresses"] = [dst] if isinstance(dst, str) else list(dst)
    return r


def estate(tmp_path, **firewall) -> AzureScenario:
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("AzureFirewallSubnet", "vnet1", "10.0.0.0/26")
    b.subnet("app", "vnet1", "10.0.1.0/24", route_table="rt-app")
    b.subnet("data", "vnet1", "10.0.2.0/24", route_table="rt-data")
    b.route_table("rt-app", [("10.0.2.0/24", "VirtualAppliance", "10.0.0.4")])
    b.route_table("rt-data", [("10.0.1.0/24", "VirtualAppliance", "10.0.0.4")])
    b.firewall("fw", "AzureFirewallSubnet", "10.0.0.4", **firewall)
    b.vm("app1", "app", "10.0.1.4")
    b.vm("db1", "data", "10.0.2.4")
    return b


CLASSIC = [
    {"name": "allow-app-to-data", "priority": 200, "action": "Allow",
     "rules": [net_rule("sql", ["1433"], src="10.0.1.0/24", dst="10.0.2.0/24"),
               net_rule("ssh", ["22"], src="10.0.1.0/24", dst="10.0.2.0/24")]},
    {"name": "deny-ssh", "priority": 100, "action": "Deny", "rules": [net_rule("ssh", ["22"])]},
]


def test_classic_network_rules(tmp_path):
    """FWRULES: collections by priority (deny-ssh, 100, before allow-app-to-data, 200); no match denies."""
    topo = load_snapshot(estate(tmp_path, collections=CLASSIC).write(), use_cache=False)
    ok = trace(topo, "app1", "db1", port=1433)
    assert ok.verdict is Verdict.DELIVERED
    fw_hops = [h for h in ok.forward.hops if h.resource.name == "fw"]
    assert fw_hops and fw_hops[0].rule.label == "allow-app-to-data/sql"
    assert any(h.resource.name == "fw" for h in ok.reply.hops)  # symmetric: the reply crosses it too
    ssh = trace(topo, "app1", "db1", port=22)
    assert ssh.verdict is Verdict.BLOCKED
    assert ssh.first_block.rule.label == "deny-ssh/ssh" and ssh.first_block.code == "AZURE_FIREWALL_DENY"
    other = trace(topo, "app1", "db1", port=80)
    assert other.verdict is Verdict.BLOCKED
    assert other.first_block.rule.label == "implicit deny" and other.first_block.code == "AZURE_FIREWALL_DENY"
    assert any("application (FQDN) rules and DNAT rules are not" in w for w in topo.estate.warnings)


def test_policy_rule_collection_groups(tmp_path):
    """FWRULES: rule collection groups by priority first (group 100 before group 200), then collections."""
    b = estate(tmp_path, policy="fwpolicy")
    b.firewall_policy("fwpolicy", [
        {"name": "rcg-app", "priority": 200, "ruleCollections": [
            {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "allow-web", "priority": 100,
             "action": {"type": "Allow"}, "rules": [
                 {"ruleType": "NetworkRule", "name": "http", "ipProtocols": ["TCP"], "sourceAddresses": ["*"],
                  "destinationAddresses": ["10.0.0.0/16"], "destinationPorts": ["80", "443"]},
                 {"ruleType": "ApplicationRule", "name": "web-out", "protocols": [{"protocolType": "Https", "port": 443}],
                  "targetFqdns": ["www.example.com"], "sourceAddresses": ["*"]}]}]},
        {"name": "rcg-platform", "priority": 100, "ruleCollections": [
            {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "block-http", "priority": 300,
             "action": {"type": "Deny"}, "rules": [
                 {"ruleType": "NetworkRule", "name": "no-http", "ipProtocols": ["TCP"], "sourceAddresses": ["*"],
                  "destinationAddresses": ["*"], "destinationPorts": ["80"]}]}]},
    ])
    topo = load_snapshot(b.write(), use_cache=False)
    assert trace(topo, "app1", "db1", port=443).verdict is Verdict.DELIVERED
    http = trace(topo, "app1", "db1", port=80)
    assert http.verdict is Verdict.BLOCKED and http.first_block.rule.label == "rcg-platform/block-http/no-http"
    assert any("1 application and 0 DNAT rules ignored" in w for w in topo.estate.warnings)


def test_policy_rules_missing_is_unknown(tmp_path):
    """The firewall's policy is referenced but its rule collection groups are not in the snapshot."""
    b = estate(tmp_path)
    b.kinds["azureFirewalls"]["fw"]["properties"]["firewallPolicy"] = {
        "id": b.id("absent", "Microsoft.Network/firewallPolicies")}
    topo = load_snapshot(b.write(), use_cache=False)
    t = trace(topo, "app1", "db1", port=443)
    assert t.verdict is Verdict.UNKNOWN and "rule collection groups" in t.forward.reason


def test_fqdn_network_rule_is_unknown(tmp_path):
    """A network rule toward an FQDN needs DNS resolution, which the snapshot does not have."""
    collections = [{"name": "fqdn", "priority": 100, "action": "Allow",
                    "rules": [net_rule("to-name", ["443"], fqdns=["db.internal.example"])]}]
    topo = load_snapshot(estate(tmp_path, collections=collections).write(), use_cache=False)
    t = trace(topo, "app1", "db1", port=443)
    assert t.verdict is Verdict.UNKNOWN and "db.internal.example" in t.forward.reason


def test_ip_ranges_in_firewall_rules(tmp_path):
    """Azure Firewall rules accept address ranges ("192.168.1.1-192.168.1.12", the spec example)."""
    collections = [{"name": "range", "priority": 100, "action": "Allow",
                    "rules": [net_rule("r", ["443"], src="10.0.1.1-10.0.1.4", dst="10.0.2.0/24")]}]
    topo = load_snapshot(estate(tmp_path, collections=collections).write(), use_cache=False)
    assert trace(topo, "app1", "db1", port=443).verdict is Verdict.DELIVERED
    assert trace(topo, "app1", "db1", port=444).verdict is Verdict.BLOCKED
