"""OCI's words for the evaluator's generic conditions (Estate.codes["oci"]).

OCI Network Path Analyzer reports each step of a path with a routing action and a security action (the
`oci.vn_monitoring` models of the SDK: RoutingAction.action FORWARDED / NO_ROUTE / INDETERMINATE,
SecurityAction.action ALLOWED / DENIED with action_type EXPLICIT / IMPLICIT, TrafficRoute REACHABLE /
UNREACHABLE / INDETERMINATE; https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/path_analyzer.htm).
Its vocabulary is coarse; the codes below reuse it:
- security lists and NSGs that allow nothing matching (OCI has no deny rules, so every block is implicit)
  → DENIED on the tier (NPA: SecurityAction DENIED, action_type IMPLICIT); the hop names the lists/groups;
- no route, a blackhole DRG rule, a down tunnel, a detached gateway: the packet is not forwarded → NO_ROUTE
  (NPA RoutingAction NO_ROUTE);
- data that is not in the snapshot → INDETERMINATE (NPA's word for "could not be determined").
Conditions where NPA says nothing more specific keep the coarse code; the hop's reason says the rest. A VNIC that
does not forward (source/destination check on) gets the plain SOURCE_DEST_CHECK.
"""

FILTER_BLOCK = "DENIED"
NO_ROUTE = "NO_ROUTE"
INDETERMINATE = "INDETERMINATE"

CODES = {
    cond: NO_ROUTE for cond in (
        "no_route", "blackhole", "no_destination", "gateway_bad_state", "internet_private_destination",
        "internet_shared_destination", "internet_no_public_ip", "internet_ingress_no_public_ip", "nat_protocol",
        "nat_source_not_local", "peering_address", "endpoint_protocol", "router_no_association",
        "router_no_route", "router_blackhole", "attachment_bad_state", "vpn_down", "egress_only_ingress",
        "target_not_accepting")
} | {"unknown_resource": INDETERMINATE, "router_routes_unknown": INDETERMINATE,
     # no NPA word: a VNIC with skipSourceDestCheck false drops packets not addressed to it
     # (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVNICs.htm#sourcedest)
     "source_dest_check": "SOURCE_DEST_CHECK"}
