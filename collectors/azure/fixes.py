"""The Azure side of fix suggestions (flightpath/questions/fixes.py): NSG priorities and the
`az network nsg rule create` command.

    realise(<NSG nsg-app>, allow tcp 22 from 10.1.1.10/32 to 10.101.1.4/32 inbound at 99)
      → (the same rule, "az network nsg rule create --subscription S --resource-group rg --nsg-name nsg-app
         --name flightpath-fix-in-tcp-22 --priority 99 --direction Inbound --access Allow --protocol Tcp
         --source-address-prefixes 10.1.1.10/32 --destination-address-prefixes 10.101.1.4/32
         --destination-port-ranges 22")
"""

from __future__ import annotations

from flightpath.collectors.azure.arm import parse_id

from flightpath.model import Direction, Rule, RuleSet

# "Priority: A number between 100 and 4096" (network-security-groups-overview.md, security rules)
NSG_PRIORITIES = (100, 4096)
PROTOCOLS = {6: "Tcp", 17: "Udp", 1: "Icmp", 58: "Icmp", 50: "Esp", 51: "Ah"}


def priority_range(rs: RuleSet) -> tuple[int, int]:
    return NSG_PRIORITIES


def realise(rs: RuleSet, rule: Rule) -> tuple[Rule, str]:
    """NSG rules name both sides and a destination port; ICMP type/code cannot be named (any ICMP)."""
    arm = parse_id(rs.ref.id)
    inbound = rule.direction is Direction.INGRESS
    proto = PROTOCOLS.get(rule.protocol or -1, "*")
    port = f"{rule.dst_ports[0].low}" if rule.dst_ports else "*"
    name = f"flightpath-fix-{'in' if inbound else 'out'}-{proto.lower().strip('*') or 'any'}-{port.strip('*') or 'any'}"
    where = (f"--subscription {arm.subscription} --resource-group {arm.resource_group} --nsg-name {arm.name}"
             if arm else f"--nsg-name {rs.ref.name or rs.ref.id}")
    if rule.protocol in (1, 58):
        from dataclasses import replace

        rule = replace(rule, icmp_type=None, icmp_code=None)
    return rule, (f"az network nsg rule create {where} --name {name} --priority {rule.priority} "
                  f"--direction {'Inbound' if inbound else 'Outbound'} --access Allow --protocol {proto} "
                  f"--source-address-prefixes {rule.sources.cidrs[0]} "
                  f"--destination-address-prefixes {rule.destinations.cidrs[0]} --destination-port-ranges {port}")
