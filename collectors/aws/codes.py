"""AWS Reachability Analyzer explanation codes for the evaluator's generic conditions.
Source: https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html"""

CODES = {
    "no_route": "NO_ROUTE_TO_DESTINATION",
    "blackhole": "BAD_STATE_ROUTE",
    "router_no_route": "TGW_RTB_CANNOT_ROUTE",
    "router_blackhole": "TGW_RTB_BAD_STATE_ROUTE",
    "router_no_association": "TGW_ATTACH_MISSING_TGW_RTB_ASSOCIATION",
    "router_routes_unknown": "TGW_RTB_ROUTES_ARE_UNKNOWN",
    "router_zone": "TGW_ROUTE_AZ_RESTRICTION",
    "source_dest_check": "ENI_SOURCE_DEST_CHECK_RESTRICTION",
    "internet_no_public_ip": "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
    "internet_private_destination": "IGW_DESTINATION_ADDRESS_NOT_IN_RFC1918_EGRESS",
    "internet_shared_destination": "IGW_DESTINATION_ADDRESS_NOT_IN_RFC6598_EGRESS",
    "internet_ingress_no_public_ip": "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS",
    "nat_source_not_local": "NGW_REQUIRES_SOURCE_IN_VPC",
    "nat_protocol": "PROTOCOL_RESTRICTION",
    "peering_address": "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
    "gateway_bad_state": "BAD_STATE",
    "attachment_bad_state": "BAD_STATE_ATTACHMENT",
    "vpn_down": "BAD_STATE_VPN",
    "unknown_resource": "UNKNOWN_RESOURCE",
    "no_destination": "NO_POSSIBLE_DESTINATION",
    "egress_only_ingress": "CANNOT_ROUTE",
    "endpoint_protocol": "VPCE_GATEWAY_PROTOCOL_RESTRICTION",
    "target_not_accepting": "TARGET_ADDRESS_RESTRICTION",
}
