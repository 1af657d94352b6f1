"""The AWS API operations the live collector may call: pure data, no SDK.

One list serves three purposes, so they cannot drift apart:
- `fetch.py` calls exactly these operations (and a botocore hook refuses any other, see `allowed_api_names`);
- `flightpath permissions aws` prints the IAM policy built from them (`iam_policy`);
- `tests/collectors/test_aws_operations.py` fails if any of them is not Describe*/Get*/List*/Search*.

`sts:AssumeRole` is the one call outside that rule: it obtains credentials for `--role-name` and changes
nothing in the estate. It is listed apart (`CREDENTIAL_OPERATIONS`) and belongs in the policy of the
identity that runs flightpath, not in the read-only role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

# Threads used for (account, region) and per-resource calls. EC2 throttles per account and region
# (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html); 16 parallel Describe calls
# spread over regions stay well inside the default request-rate buckets.
DEFAULT_WORKERS = 16

Scope = Literal["account", "region", "resource", "organization"]
READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Search")


@dataclass(frozen=True)
class Operation:
    """One API operation.

    name: the API (and IAM action) name, e.g. "DescribeVpcs"; method: the boto3 client method;
    key: the response's list key; paginated: botocore has a paginator (NextToken) for it;
    scope: "region" (one call per account and region, file `<Operation>.json`), "resource" (one call
    per id, file `<Operation>/<id>.json`), "account" or "organization" (setup calls, not written).
    For per-resource operations: `source` is the region operation whose items give the ids, `source_id`
    the item field holding the id, `id_param` the request parameter, `skip_states` item states to skip
    (the resource is being deleted; the call would fail with NotFound).
    """

    name: str
    method: str
    key: str
    paginated: bool
    scope: Scope = "region"
    service: str = "ec2"
    source: str = ""
    source_id: str = ""
    id_param: str = ""
    skip_states: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)
    client: str = ""  # the boto3 client name when it differs from the IAM service prefix (elbv2)
    only_if: tuple[str, tuple[str, ...]] = ()  # (item field, values): call only for source items that match

    def wants(self, item: Mapping[str, Any]) -> bool:
        """Whether a source item gets this per-resource call (`only_if`; states in `skip_states` never)."""
        if item.get("State") in self.skip_states or not item.get(self.source_id):
            return False
        return not self.only_if or str(item.get(self.only_if[0], "")).upper() in self.only_if[1]

    @property
    def action(self) -> str:
        """The IAM action, e.g. "ec2:DescribeVpcs" (EC2 IAM actions are named after the API)."""
        return f"{self.service}:{self.name}"


def _region(name: str, method: str, key: str, paginated: bool = True) -> Operation:
    return Operation(name, method, key, paginated)


# Whole-region calls: everything the AWS loader reads. Paginated = botocore ships a paginator.
# DescribeAddresses, DescribeVpnGateways, DescribeVpnConnections, DescribeCustomerGateways have no
# NextToken: they return everything in one response (EC2 API reference, each operation's page).
REGION_OPERATIONS: tuple[Operation, ...] = (
    _region("DescribeVpcs", "describe_vpcs", "Vpcs"),
    _region("DescribeSubnets", "describe_subnets", "Subnets"),
    _region("DescribeInstances", "describe_instances", "Reservations"),
    _region("DescribeNetworkInterfaces", "describe_network_interfaces", "NetworkInterfaces"),
    _region("DescribeAddresses", "describe_addresses", "Addresses", paginated=False),
    _region("DescribeSecurityGroups", "describe_security_groups", "SecurityGroups"),
    _region("DescribeNetworkAcls", "describe_network_acls", "NetworkAcls"),
    _region("DescribeRouteTables", "describe_route_tables", "RouteTables"),
    _region("DescribeInternetGateways", "describe_internet_gateways", "InternetGateways"),
    _region("DescribeEgressOnlyInternetGateways", "describe_egress_only_internet_gateways",
            "EgressOnlyInternetGateways"),
    _region("DescribeNatGateways", "describe_nat_gateways", "NatGateways"),
    _region("DescribeVpcPeeringConnections", "describe_vpc_peering_connections", "VpcPeeringConnections"),
    _region("DescribeTransitGateways", "describe_transit_gateways", "TransitGateways"),
    _region("DescribeTransitGatewayAttachments", "describe_transit_gateway_attachments",
            "TransitGatewayAttachments"),
    _region("DescribeTransitGatewayVpcAttachments", "describe_transit_gateway_vpc_attachments",
            "TransitGatewayVpcAttachments"),
    _region("DescribeTransitGatewayPeeringAttachments", "describe_transit_gateway_peering_attachments",
            "TransitGatewayPeeringAttachments"),
    _region("DescribeTransitGatewayRouteTables", "describe_transit_gateway_route_tables",
            "TransitGatewayRouteTables"),
    _region("DescribeManagedPrefixLists", "describe_managed_prefix_lists", "PrefixLists"),
    _region("DescribePrefixLists", "describe_prefix_lists", "PrefixLists"),
    _region("DescribeVpnGateways", "describe_vpn_gateways", "VpnGateways", paginated=False),
    _region("DescribeVpnConnections", "describe_vpn_connections", "VpnConnections", paginated=False),
    _region("DescribeCustomerGateways", "describe_customer_gateways", "CustomerGateways", paginated=False),
    _region("DescribeVpcEndpoints", "describe_vpc_endpoints", "VpcEndpoints"),
    # Elastic Load Balancing v2 (NLB, ALB): IAM prefix elasticloadbalancing, boto3 client elbv2
    Operation("DescribeLoadBalancers", "describe_load_balancers", "LoadBalancers", True,
              service="elasticloadbalancing", client="elbv2"),
    Operation("DescribeTargetGroups", "describe_target_groups", "TargetGroups", True,
              service="elasticloadbalancing", client="elbv2"),
)

# TGW route tables in these states cannot be queried (DescribeTransitGatewayRouteTables keeps deleted
# ones listed for a while); managed prefix lists likewise.
_TGW_RTB_GONE = ("deleting", "deleted")
_TGW_RTB = dict(source="DescribeTransitGatewayRouteTables", source_id="TransitGatewayRouteTableId",
                id_param="TransitGatewayRouteTableId", skip_states=_TGW_RTB_GONE, scope="resource")

RESOURCE_OPERATIONS: tuple[Operation, ...] = (
    # SearchTransitGatewayRoutes requires at least one filter; `state` active+blackhole returns every
    # route that takes part in forwarding. The response says AdditionalRoutesAvailable when truncated
    # (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SearchTransitGatewayRoutes.html).
    Operation("SearchTransitGatewayRoutes", "search_transit_gateway_routes", "Routes", True,
              params={"Filters": [{"Name": "state", "Values": ["active", "blackhole"]}]}, **_TGW_RTB),
    Operation("GetTransitGatewayRouteTablePropagations", "get_transit_gateway_route_table_propagations",
              "TransitGatewayRouteTablePropagations", True, **_TGW_RTB),
    Operation("GetTransitGatewayRouteTableAssociations", "get_transit_gateway_route_table_associations",
              "Associations", True, **_TGW_RTB),
    # elbv2 per load balancer / target group (files named after the ARN's last segment, its id)
    Operation("DescribeListeners", "describe_listeners", "Listeners", True, scope="resource",
              service="elasticloadbalancing", client="elbv2", source="DescribeLoadBalancers",
              source_id="LoadBalancerArn", id_param="LoadBalancerArn"),
    # the rules of an ALB listener (HTTP/HTTPS), the default rule included: conditions and actions
    # (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeRules.html)
    Operation("DescribeRules", "describe_rules", "Rules", True, scope="resource", service="elasticloadbalancing",
              client="elbv2", source="DescribeListeners", source_id="ListenerArn", id_param="ListenerArn",
              only_if=("Protocol", ("HTTP", "HTTPS"))),
    Operation("DescribeLoadBalancerAttributes", "describe_load_balancer_attributes", "Attributes", False,
              scope="resource", service="elasticloadbalancing", client="elbv2", source="DescribeLoadBalancers",
              source_id="LoadBalancerArn", id_param="LoadBalancerArn"),
    Operation("DescribeTargetHealth", "describe_target_health", "TargetHealthDescriptions", False,
              scope="resource", service="elasticloadbalancing", client="elbv2", source="DescribeTargetGroups",
              source_id="TargetGroupArn", id_param="TargetGroupArn"),
    Operation("DescribeTargetGroupAttributes", "describe_target_group_attributes", "Attributes", False,
              scope="resource", service="elasticloadbalancing", client="elbv2", source="DescribeTargetGroups",
              source_id="TargetGroupArn", id_param="TargetGroupArn"),
    Operation("GetManagedPrefixListEntries", "get_managed_prefix_list_entries", "Entries", True,
              scope="resource", source="DescribeManagedPrefixLists", source_id="PrefixListId",
              id_param="PrefixListId", skip_states=("delete-in-progress", "delete-complete")),
)

# Setup calls: who am I (account id), which regions are enabled, which accounts the organization has.
GET_CALLER_IDENTITY = Operation("GetCallerIdentity", "get_caller_identity", "Account", False, "account", "sts")
# Without AllRegions, DescribeRegions returns only the regions enabled for the account
# (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRegions.html).
DESCRIBE_REGIONS = Operation("DescribeRegions", "describe_regions", "Regions", False, "account")
LIST_ACCOUNTS = Operation("ListAccounts", "list_accounts", "Accounts", True, "organization", "organizations")

SETUP_OPERATIONS: tuple[Operation, ...] = (GET_CALLER_IDENTITY, DESCRIBE_REGIONS, LIST_ACCOUNTS)

# Not read-only by name, but changes nothing: it returns temporary credentials for the target role.
ASSUME_ROLE = Operation("AssumeRole", "assume_role", "Credentials", False, "account", "sts")
CREDENTIAL_OPERATIONS: tuple[Operation, ...] = (ASSUME_ROLE,)

ALL_OPERATIONS: tuple[Operation, ...] = REGION_OPERATIONS + RESOURCE_OPERATIONS + SETUP_OPERATIONS


def resource_operations_for(source: str) -> tuple[Operation, ...]:
    """The per-resource operations fed by the items of region operation `source`."""
    return tuple(op for op in RESOURCE_OPERATIONS if op.source == source)


def allowed_api_names() -> dict[str, frozenset[str]]:
    """service -> API names the collector may call: every read-only operation plus sts:AssumeRole."""
    out: dict[str, set[str]] = {}
    for op in ALL_OPERATIONS + CREDENTIAL_OPERATIONS:
        out.setdefault(op.service, set()).add(op.name)
    return {service: frozenset(names) for service, names in out.items()}


def iam_policy(role_name: str = "") -> dict[str, Any]:
    """The minimal IAM policy for `flightpath collect aws`, built from the operation list.

    Statement "FlightpathRead" goes on the identity that collects (with --role-name: on that role in
    every target account). "FlightpathListOrganizationAccounts" is needed only for `--accounts org`,
    "FlightpathAssumeCollectorRole" only with --role-name, both on the identity that runs flightpath.
    """
    read = sorted({op.action for op in REGION_OPERATIONS + RESOURCE_OPERATIONS}
                  | {DESCRIBE_REGIONS.action, GET_CALLER_IDENTITY.action})
    statements: list[dict[str, Any]] = [
        {"Sid": "FlightpathRead", "Effect": "Allow", "Action": read, "Resource": "*"},
        {"Sid": "FlightpathListOrganizationAccounts", "Effect": "Allow",
         "Action": [LIST_ACCOUNTS.action], "Resource": "*"},
    ]
    statements.append({
        "Sid": "FlightpathAssumeCollectorRole", "Effect": "Allow", "Action": [ASSUME_ROLE.action],
        "Resource": f"arn:aws:iam::*:role/{role_name or 'ROLE_NAME'}",
    })
    return {"Version": "2012-10-17", "Statement": statements}


POLICY_NOTE = (
    "FlightpathRead: attach to the identity that collects; with --role-name, to that role in every "
    "target account (its trust policy must allow the identity that runs flightpath). "
    "FlightpathListOrganizationAccounts: only for --accounts org (management or delegated administrator "
    "account). FlightpathAssumeCollectorRole: only with --role-name, on the identity that runs flightpath."
)
