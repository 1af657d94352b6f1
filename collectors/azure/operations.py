"""The Azure Resource Manager operations the live collector may call: pure data, no SDK.

One list serves three purposes, so they cannot drift apart:
- `fetch.py` builds every request URL from it (and a pipeline policy refuses any request that no
  operation here describes, see `allowed_request`);
- `flightpath permissions azure` prints the custom role built from it (`custom_role`);
- `tests/collectors/test_azure_collect.py` fails on any action that is neither `.../read` nor the
  effective-route action.

Every call is a GET except `networkInterfaces.effectiveRouteTable`: Azure exposes a NIC's effective
routes only as a long-running POST (`Microsoft.Network/networkInterfaces/effectiveRouteTable/action`).
It computes the routes the platform applies and changes nothing. Its polling GETs need the two
`locations/operation*` read actions (`POLLING_ACTIONS`).

API versions are pinned here, not taken from the SDK, so the wire shape of a snapshot does not change
when azure-mgmt-network is upgraded (ARM answers in the shape of the requested version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

# Concurrent calls. ARM throttles reads per subscription and per principal with a token bucket
# (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling);
# 8 parallel reads stay well inside it and inside requests' default pool of 10 connections per host.
DEFAULT_WORKERS = 8

NETWORK_API = "2024-05-01"
COMPUTE_API = "2024-07-01"
SUBSCRIPTIONS_API = "2022-12-01"
RESOURCE_GROUPS_API = "2021-04-01"

Scope = Literal["tenant", "subscription", "resourceGroup", "resource"]

_SUB = "/subscriptions/{subscriptionId}"
_RG = _SUB + "/resourceGroups/{resourceGroupName}"
_NET = "/providers/Microsoft.Network/"


@dataclass(frozen=True)
class Operation:
    """One ARM call.

    name: the label used in the manifest and progress ("virtualNetworks.list"); kind: the file it
    fills, `azure/<subscription>/<kind>.json` ("" = a setup call whose answer is not written);
    path: the ARM path template; scope: what one call covers ("subscription": one per subscription,
    "resourceGroup": one per resource group, merged into one file, "resource": one per item of
    `source`); action: the Azure RBAC action it needs.
    """

    name: str
    kind: str
    path: str
    api_version: str
    action: str
    scope: Scope = "subscription"
    method: Literal["GET", "POST"] = "GET"
    source: str = ""
    long_running: bool = False

    def url(self, **params: str) -> str:
        """The request path and query, e.g. url(subscriptionId="...") ->
        "/subscriptions/.../providers/Microsoft.Network/virtualNetworks?api-version=2024-05-01"."""
        path = self.path.format(**{k: quote(v, safe="") for k, v in params.items()})
        return f"{path}?api-version={self.api_version}"


def _net_list(kind: str, scope: Scope = "subscription") -> Operation:
    base = _RG if scope == "resourceGroup" else _SUB
    return Operation(f"{kind}.list", kind, base + _NET + kind, NETWORK_API,
                     f"Microsoft.Network/{kind}/read", scope)


LIST_SUBSCRIPTIONS = Operation("subscriptions.list", "", "/subscriptions", SUBSCRIPTIONS_API,
                               "Microsoft.Resources/subscriptions/read", "tenant")
LIST_RESOURCE_GROUPS = Operation("resourceGroups.list", "", _SUB + "/resourcegroups", RESOURCE_GROUPS_API,
                                 "Microsoft.Resources/subscriptions/resourceGroups/read")

# One call (paged) per subscription: the subscription-wide "list all" of each type.
SUBSCRIPTION_OPERATIONS: tuple[Operation, ...] = (
    *(_net_list(k) for k in (
        "virtualNetworks", "networkInterfaces", "networkSecurityGroups", "applicationSecurityGroups",
        "routeTables", "publicIPAddresses", "natGateways", "azureFirewalls", "firewallPolicies", "loadBalancers",
        # ExpressRouteCircuits_ListAll: the circuits' provisioning states (and the Azure-OCI Interconnect's provider)
        "expressRouteCircuits")),
    Operation("virtualMachines.list", "virtualMachines", _SUB + "/providers/Microsoft.Compute/virtualMachines",
              COMPUTE_API, "Microsoft.Compute/virtualMachines/read"),
)

# Types that ARM lists only per resource group: one call per group, merged into one file.
RESOURCE_GROUP_OPERATIONS: tuple[Operation, ...] = tuple(
    _net_list(k, "resourceGroup") for k in ("virtualNetworkGateways", "localNetworkGateways", "connections"))

LIST_RULE_COLLECTION_GROUPS = Operation(
    "ruleCollectionGroups.list", "ruleCollectionGroups",
    _RG + _NET + "firewallPolicies/{firewallPolicyName}/ruleCollectionGroups", NETWORK_API,
    "Microsoft.Network/firewallPolicies/ruleCollectionGroups/read", "resource", source="firewallPolicies.list")

# --effective-routes only: the power state of each VM, then the effective routes of each NIC of a
# running VM (Azure computes them only for those), written to `EffectiveRoutes/<nic name>.json`.
GET_INSTANCE_VIEW = Operation(
    "virtualMachines.instanceView", "",
    _RG + "/providers/Microsoft.Compute/virtualMachines/{vmName}/instanceView", COMPUTE_API,
    "Microsoft.Compute/virtualMachines/instanceView/read", "resource", source="virtualMachines.list")
GET_EFFECTIVE_ROUTES = Operation(
    "networkInterfaces.effectiveRouteTable", "EffectiveRoutes",
    _RG + _NET + "networkInterfaces/{networkInterfaceName}/effectiveRouteTable", NETWORK_API,
    "Microsoft.Network/networkInterfaces/effectiveRouteTable/action", "resource", method="POST",
    source="networkInterfaces.list", long_running=True)

# --effective-routes also reads each load balancing rule's backend health, the other computed live state
# (LoadBalancerLoadBalancingRules_Health, a long-running POST that changes nothing:
# https://learn.microsoft.com/rest/api/load-balancer/load-balancer-load-balancing-rules/health); one file per
# rule, LoadBalancerRuleHealth/<lb name>/<rule name>.json
GET_RULE_HEALTH = Operation(
    "loadBalancingRules.health", "LoadBalancerRuleHealth",
    _RG + _NET + "loadBalancers/{loadBalancerName}/loadBalancingRules/{loadBalancingRuleName}/health", NETWORK_API,
    "Microsoft.Network/loadBalancers/loadBalancingRules/health/action", "resource", method="POST",
    source="loadBalancers.list", long_running=True)

RESOURCE_OPERATIONS: tuple[Operation, ...] = (LIST_RULE_COLLECTION_GROUPS, GET_INSTANCE_VIEW, GET_EFFECTIVE_ROUTES,
                                              GET_RULE_HEALTH)
EFFECTIVE_ROUTE_OPERATIONS: tuple[Operation, ...] = (GET_INSTANCE_VIEW, GET_EFFECTIVE_ROUTES, GET_RULE_HEALTH)
SETUP_OPERATIONS: tuple[Operation, ...] = (LIST_SUBSCRIPTIONS, LIST_RESOURCE_GROUPS)
ALL_OPERATIONS: tuple[Operation, ...] = (
    SETUP_OPERATIONS + SUBSCRIPTION_OPERATIONS + RESOURCE_GROUP_OPERATIONS + RESOURCE_OPERATIONS)

# The long-running POST is polled through these (Azure-AsyncOperation and Location URLs).
POLLING_ACTIONS = ("Microsoft.Network/locations/operations/read",
                   "Microsoft.Network/locations/operationResults/read")
EFFECTIVE_ROUTE_ACTION = GET_EFFECTIVE_ROUTES.action
LIVE_STATE_ACTIONS = (EFFECTIVE_ROUTE_ACTION, GET_RULE_HEALTH.action)  # the only non-read actions (POSTs)

# `{name}` in a path template -> one ARM path segment.
_POST_PATTERNS = tuple(
    re.compile("^" + re.sub(r"\\\{[A-Za-z]+\\\}", "[^/]+", re.escape(op.path)) + "$", re.IGNORECASE)
    for op in ALL_OPERATIONS if op.method == "POST")


def allowed_request(method: str, path: str) -> bool:
    """Whether the collector may send this request: any GET (reads; ARM list, get and LRO polling),
    and a POST only to a path of a POST operation above (the effective-route call)."""
    method = method.upper()
    if method == "GET":
        return True
    return method == "POST" and any(p.match(path) for p in _POST_PATTERNS)


def custom_role(subscriptions: list[str] | None = None, effective_routes: bool = True) -> dict[str, Any]:
    """The minimal Azure custom role (role-definition JSON for `az role definition create`) for
    `flightpath collect azure`; without effective_routes, the actions of --effective-routes are left out."""
    ops = [op for op in ALL_OPERATIONS if effective_routes or op not in EFFECTIVE_ROUTE_OPERATIONS]
    actions = sorted({op.action for op in ops} | (set(POLLING_ACTIONS) if effective_routes else set()))
    return {
        "Name": "flightpath reader",
        "IsCustom": True,
        "Description": "Read the network configuration that flightpath traces (flightpath collect azure).",
        "Actions": actions,
        "NotActions": [],
        "AssignableScopes": [f"/subscriptions/{s}" for s in (subscriptions or ["<subscription-id>"])],
    }


ROLE_NOTE = (
    "Create it with `az role definition create --role-definition role.json`, then assign it to the "
    "identity that collects on each subscription. Microsoft.Network/networkInterfaces/effectiveRouteTable/"
    "action, Microsoft.Network/loadBalancers/loadBalancingRules/health/action and the locations/operation* "
    "reads are needed only for --effective-routes. The built-in "
    "Reader role also suffices without --effective-routes."
)
