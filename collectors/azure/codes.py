"""Azure's words for the evaluator's generic conditions (Estate.codes["azure"]).

Azure has no drop-code catalogue like AWS Reachability Analyzer's; Network Watcher has a vocabulary for some
outcomes, and the codes below reuse it:
- next hop `None` (Network Watcher next hop / effective routes nextHopType "None": the packet is dropped)
  → NEXT_HOP_NONE;
- an NSG rule that denies (IP flow verify: access "Deny" with the rule name; connection troubleshoot
  issue type "NetworkSecurityRule") → NSG_DENY on the tier; the rule's name is in the hop;
- an Azure Firewall network rule collection that denies, or no rule matching (the firewall's implicit
  deny) → AZURE_FIREWALL_DENY;
- a VirtualAppliance next hop whose NIC has IP forwarding off (the NIC property enableIPForwarding)
  → IP_FORWARDING_DISABLED;
- a connection whose connectionStatus is not Connected → CONNECTION_NOT_CONNECTED.
Conditions where Azure has no word of its own are left out (the hop then carries no code).
"""

NSG_BLOCK = "NSG_DENY"
FIREWALL_BLOCK = "AZURE_FIREWALL_DENY"

CODES = {
    "no_route": "NEXT_HOP_NONE",
    "blackhole": "NEXT_HOP_NONE",
    "source_dest_check": "IP_FORWARDING_DISABLED",
    "vpn_down": "CONNECTION_NOT_CONNECTED",
}
