"""The Compute Engine v1 calls the live collector may make: pure data, no SDK.

One list serves three purposes, so they cannot drift apart:
- `fetch.py` makes exactly these calls (client class and method by name), and a guard on each client's HTTP
  session refuses any request that is not a GET of a path described here (`allowed_request`);
- `flightpath permissions gcp` prints the custom role built from it (`custom_role`);
- `tests/gcp/test_gcp_collect.py` fails on any method that is not a list, aggregated list or get.

Example: FIREWALLS = Operation("firewalls.list", "FirewallsClient", "list", "firewalls", "compute.firewalls.list",
"project", r"/projects/[^/]+/global/firewalls") → one call per project, written to `gcp/<project>/firewalls.json`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Concurrent calls. Compute Engine read quotas are per project and per minute (e.g. 1,500 list requests
# per minute: https://cloud.google.com/compute/api-quota); 8 parallel reads stay well inside them.
DEFAULT_WORKERS = 8
READ_METHODS = ("list", "aggregated_list", "get_router_status", "get_effective_firewalls")

Scope = Literal["project", "router", "network", "organization"]
_P = r"/projects/[^/]+"


@dataclass(frozen=True)
class Operation:
    """name: the REST method (manifest and progress label); client / method: the google-cloud-compute client
    class and method; file: `gcp/<project>/<file>.json`, or the folder of one file per resource (scope router:
    `<file>/<region>/<router>.json`, network: `<file>/<network>.json`); permission: the IAM permission;
    path: the REST path (a regex, after `/compute/v1`) the guard admits for it."""

    name: str
    client: str
    method: str
    file: str
    permission: str
    scope: Scope
    path: str


def _list(resource: str, client: str, aggregated: bool, permission: str = "") -> Operation:
    file = resource
    perm = permission or f"compute.{resource}.list"
    if aggregated:
        return Operation(f"{resource}.aggregatedList", client, "aggregated_list", file, perm, "project",
                         rf"{_P}/aggregated/{resource}")
    return Operation(f"{resource}.list", client, "list", file, perm, "project", rf"{_P}/global/{resource}")


OPERATIONS: tuple[Operation, ...] = (
    _list("networks", "NetworksClient", False),
    _list("subnetworks", "SubnetworksClient", True),
    _list("firewalls", "FirewallsClient", False),
    _list("routes", "RoutesClient", False),
    _list("instances", "InstancesClient", True),
    _list("routers", "RoutersClient", True),
    _list("addresses", "AddressesClient", True),
    _list("vpnGateways", "VpnGatewaysClient", True),
    _list("vpnTunnels", "VpnTunnelsClient", True),
    _list("targetVpnGateways", "TargetVpnGatewaysClient", True),
    _list("externalVpnGateways", "ExternalVpnGatewaysClient", False),
    _list("forwardingRules", "ForwardingRulesClient", True),
    # global and regional network firewall policies in one aggregated list
    Operation("networkFirewallPolicies.aggregatedList", "NetworkFirewallPoliciesClient", "aggregated_list",
              "networkFirewallPolicies", "compute.networkFirewallPolicies.list", "project",
              rf"{_P}/aggregated/firewallPolicies"),
    Operation("routers.getRouterStatus", "RoutersClient", "get_router_status", "getRouterStatus",
              "compute.routers.get", "router", rf"{_P}/regions/[^/]+/routers/[^/]+/getRouterStatus"),
    Operation("networks.getEffectiveFirewalls", "NetworksClient", "get_effective_firewalls", "getEffectiveFirewalls",
              "compute.networks.getEffectiveFirewalls", "network", rf"{_P}/global/networks/[^/]+/getEffectiveFirewalls"),
    Operation("firewallPolicies.list", "FirewallPoliciesClient", "list", "firewallPolicies",
              "compute.firewallPolicies.list", "organization", r"/locations/global/firewallPolicies"),
)
_PATHS = tuple(re.compile(rf"^/compute/v1{op.path}$") for op in OPERATIONS)


def allowed_request(method: str, path: str) -> bool:
    """Only GETs of the paths above (query strings excluded): read-only by construction."""
    return method.upper() == "GET" and any(p.match(path) for p in _PATHS)


def custom_role(project: str = "<project-id>") -> dict[str, object]:
    """The minimal custom role (gcloud iam roles create --file=...): every permission an operation needs."""
    perms = sorted({op.permission for op in OPERATIONS if op.scope != "organization"})
    return {"title": "flightpath reader", "description": "Read-only network configuration for flightpath "
            f"(collect gcp) in {project}", "stage": "GA", "includedPermissions": perms}


ROLE_NOTE = ("create it with: gcloud iam roles create flightpathReader --project PROJECT --file role.yaml "
             "(or .json); for --organization also grant compute.firewallPolicies.list on the organization "
             "(e.g. roles/compute.orgFirewallPolicyUser)")
