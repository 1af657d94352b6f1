"""`flightpath collect azure` and load balancers: the subscription-wide loadBalancers list, and with
--effective-routes each load balancing rule's backend health (LoadBalancerLoadBalancingRules_Health, a
long-running POST: https://learn.microsoft.com/rest/api/load-balancer/load-balancer-load-balancing-rules/health),
through the real azure-mgmt-network client and the in-process ArmReplay transport of test_azure_collect.py.

The health body is written in the shape of the REST reference (LoadBalancerHealthPerRule: up, down,
loadBalancerBackendAddresses[{ipAddress, networkInterfaceIPConfigurationId, state, reason}]); ids invented.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flightpath.collectors.azure import operations as ops
from flightpath.collectors.azure.collect_types import health_calls
from test_azure_collect import ARM, NET, SUB, estate, fake_azure_env, list_path, read, run, wire  # noqa: F401

import flightpath

LB = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Network/loadBalancers/lb1"


def _serve_lb(arm) -> tuple[dict, dict]:
    nic = wire("NetworkInterfaceGet")
    ipconfig = nic["properties"]["ipConfigurations"][0]["id"]
    lb = {"name": "lb1", "id": LB, "type": "Microsoft.Network/loadBalancers", "location": "eastus",
          "sku": {"name": "Standard"}, "properties": {
              "frontendIPConfigurations": [{"name": "fe", "id": f"{LB}/frontendIPConfigurations/fe", "properties": {
                  "privateIPAddress": "10.0.0.100", "subnet": {"id": ipconfig.split("/providers/")[0]
                                                                + "/providers/Microsoft.Network/virtualNetworks/"
                                                                  "vnet1/subnets/default"}}}],
              "backendAddressPools": [{"name": "be", "id": f"{LB}/backendAddressPools/be", "properties": {
                  "backendIPConfigurations": [{"id": ipconfig}]}}],
              "loadBalancingRules": [{"name": "r80", "id": f"{LB}/loadBalancingRules/r80", "properties": {
                  "frontendIPConfiguration": {"id": f"{LB}/frontendIPConfigurations/fe"}, "protocol": "Tcp",
                  "frontendPort": 80, "backendPort": 80, "backendAddressPool": {"id": f"{LB}/backendAddressPools/be"}}}]}}
    arm.add("GET", list_path("loadBalancers"), {"value": [lb]})
    health = {"up": 0, "down": 1, "loadBalancerBackendAddresses": [
        {"ipAddress": nic["properties"]["ipConfigurations"][0]["properties"].get("privateIPAddress", "10.0.0.4"),
         "networkInterfaceIPConfigurationId": ipconfig, "state": "Down", "reason": "Probe failed"}]}
    path = list_path(ops.GET_RULE_HEALTH, resourceGroupName="rg1", loadBalancerName="lb1",
                     loadBalancingRuleName="r80")
    q = f"?api-version={ops.NETWORK_API}"
    result = f"/subscriptions/{SUB}{NET}/locations/eastus/operationResults/health-1"
    arm.add("POST", path, (202, None, {"Location": ARM + result + q}))  # 202, then GET Location
    arm.add("GET", result, health)
    return lb, health


def test_rule_health_is_collected_with_effective_routes(tmp_path: Path) -> None:
    arm, _ = estate()
    lb, health = _serve_lb(arm)
    summary = run(tmp_path, arm, effective_routes=True)
    out = tmp_path / "snap"
    assert summary.failed == 0 and not arm.misses, (summary.errors, arm.misses)
    assert read(out, f"azure/{SUB}/loadBalancers.json") == {"value": [lb]}
    # the LRO's final body, exactly as served, at the layout recognize.py reads
    assert read(out, f"azure/{SUB}/LoadBalancerRuleHealth/lb1/r80.json") == health
    posts = [r for r in arm.requests if r["method"] == "POST" and "/loadbalancingrules/" in r["key"]]
    assert len(posts) == 1 and posts[0]["api_version"] == ops.GET_RULE_HEALTH.api_version
    # the snapshot reads it: the rule's only backend is Down, so the balancer has no healthy target
    est = flightpath.load_snapshot(out, use_cache=False).estate
    (rule,) = est.load_balancers[LB].listeners
    (group,) = [est.target_groups[g] for g in rule.target_group_ids]
    assert [(t.healthy, t.state) for t in group.targets] == [(False, "down: Probe failed")]


def test_no_health_call_without_effective_routes(tmp_path: Path) -> None:
    arm, _ = estate()
    _serve_lb(arm)
    run(tmp_path, arm)
    assert {r["method"] for r in arm.requests} == {"GET"}
    assert not (tmp_path / "snap" / "azure" / SUB / "LoadBalancerRuleHealth").exists()


def test_health_action_is_in_the_role_only_with_effective_routes() -> None:
    action = ops.GET_RULE_HEALTH.action
    assert action in ops.custom_role([SUB])["Actions"]
    assert action not in ops.custom_role([SUB], effective_routes=False)["Actions"]
    path = list_path(ops.GET_RULE_HEALTH, resourceGroupName="rg", loadBalancerName="a", loadBalancingRuleName="b")
    assert ops.allowed_request("POST", path) and not ops.allowed_request("POST", path + "/x")


@pytest.mark.parametrize("name, ok", [("lb1", True), ("../x", False)])
def test_health_calls_only_for_names_that_can_name_a_file(name: str, ok: bool) -> None:
    lbs = [{"id": f"{LB}x", "name": name, "properties": {"loadBalancingRules": [{"name": "r80"}]}}]
    assert bool(health_calls(lbs)) is ok
