"""GCP's words for the evaluator's generic conditions (Estate.codes["gcp"]).

The vocabulary is Connectivity Tests' drop causes (googleapis `google/cloud/networkmanagement/v1/trace.proto`,
DropInfo.Cause; ../shared/SEMANTICS.md Appendix B), which GCP users know from the console:
- a firewall rule or policy rule that denies, or the implied deny ingress rule → FIREWALL_RULE;
- always-blocked traffic (https://cloud.google.com/firewall/docs/firewalls#blockedtraffic) → TRAFFIC_TYPE_BLOCKED;
- no route → NO_ROUTE; a route whose next hop drops (no next hop in the snapshot: blackhole) → ROUTE_BLACKHOLE;
- a private destination through the default internet gateway → PRIVATE_TRAFFIC_TO_INTERNET;
- a VM without an external IP and without Cloud NAT going to the internet → NO_EXTERNAL_ADDRESS;
- a VPN tunnel that is not ESTABLISHED → ROUTE_NEXT_HOP_VPN_TUNNEL_NOT_ESTABLISHED;
- a next-hop instance whose canIpForward is false drops packets not addressed to it; Connectivity Tests has
  no cause of its own for that, so the hop carries no code (none is invented);
- an address in a subnet that no VM holds → UNKNOWN_INTERNAL_ADDRESS; from the internet to a private address
  (nothing to translate to) → NO_EXTERNAL_ADDRESS's ingress counterpart UNKNOWN_EXTERNAL_ADDRESS;
- a peering that does not carry the destination (not transitive) → NO_ROUTE (the route is not exchanged);
- data a trace needs is missing → RESOURCE_CONFIG_NOT_FOUND (an AbortInfo cause).
"""

FIREWALL_RULE = "FIREWALL_RULE"
BLOCKED_TRAFFIC = "TRAFFIC_TYPE_BLOCKED"

CODES = {
    "no_route": "NO_ROUTE",
    "blackhole": "ROUTE_BLACKHOLE",
    "internet_private_destination": "PRIVATE_TRAFFIC_TO_INTERNET",
    "internet_shared_destination": "PRIVATE_TRAFFIC_TO_INTERNET",
    "internet_no_public_ip": "NO_EXTERNAL_ADDRESS",
    "internet_ingress_no_public_ip": "UNKNOWN_EXTERNAL_ADDRESS",
    "vpn_down": "ROUTE_NEXT_HOP_VPN_TUNNEL_NOT_ESTABLISHED",
    "peering_address": "NO_ROUTE",
    "no_destination": "UNKNOWN_INTERNAL_ADDRESS",
    "unknown_resource": "RESOURCE_CONFIG_NOT_FOUND",
    "gateway_bad_state": "NO_ROUTE",
}
