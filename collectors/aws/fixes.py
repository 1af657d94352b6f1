"""The AWS side of fix suggestions (flightpath/questions/fixes.py): which rule numbers an NACL allows, what a
security group or NACL rule can express, and the `aws ec2` command that adds it.

    realise(<NACL acl-1>, allow tcp 22 from 10.1.1.10/32 to 10.2.1.20/32 at 109)
      → (allow tcp 22 from 10.1.1.10/32 at 109, "aws ec2 create-network-acl-entry --network-acl-id acl-1
         --ingress --rule-number 109 --protocol tcp --port-range From=22,To=22 --cidr-block 10.1.1.10/32
         --rule-action allow --region us-east-1")
"""

from __future__ import annotations

from dataclasses import replace

from flightpath.model import ANY_ADDRESS, Direction, Rule, RuleSet
from flightpath.model.protocols import protocol_name

# NACL rule numbers 1-32766 ("the rule number ... between 1 and 32766",
# https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html)
NACL_RULE_NUMBERS = (1, 32766)


def priority_range(rs: RuleSet) -> tuple[int, int]:
    return NACL_RULE_NUMBERS if rs.ref.type == "network-acl" else (0, 0)


def _protocol(rule: Rule) -> str:
    return "-1" if rule.protocol is None else protocol_name(rule.protocol) if rule.protocol in (1, 6, 17, 58) \
        else str(rule.protocol)


def realise(rs: RuleSet, rule: Rule) -> tuple[Rule, str]:
    """SG and NACL rules name one peer range (the source inbound, the destination outbound) and no local
    side (security-group-rules.html, nacl-rules.html): the rule keeps just that, and the command adds it."""
    inbound = rule.direction is Direction.INGRESS
    peer = rule.sources if inbound else rule.destinations
    rule = replace(rule, sources=peer if inbound else ANY_ADDRESS, destinations=ANY_ADDRESS if inbound else peer)
    cidr = peer.cidrs[0]
    v6 = cidr.version == 6
    region = f" --region {rs.ref.region}" if rs.ref.region else ""
    proto = _protocol(rule)
    if rs.ref.type == "network-acl":
        extra = ""
        if rule.dst_ports:
            extra = f" --port-range From={rule.dst_ports[0].low},To={rule.dst_ports[0].high}"
        elif rule.protocol in (1, 58):
            extra = f" --icmp-type-code Type={rule.icmp_type if rule.icmp_type is not None else -1}," \
                    f"Code={rule.icmp_code if rule.icmp_code is not None else -1}"
        return rule, (f"aws ec2 create-network-acl-entry --network-acl-id {rs.ref.id} "
                      f"--{'ingress' if inbound else 'egress'} --rule-number {rule.priority} --protocol {proto}"
                      f"{extra} --{'ipv6-cidr-block' if v6 else 'cidr-block'} {cidr} --rule-action allow{region}")
    rule = replace(rule, priority=0)
    perm = f"IpProtocol={proto}"
    if rule.dst_ports:
        perm += f",FromPort={rule.dst_ports[0].low},ToPort={rule.dst_ports[0].high}"
    elif rule.protocol in (1, 58):
        perm += f",FromPort={rule.icmp_type if rule.icmp_type is not None else -1}," \
                f"ToPort={rule.icmp_code if rule.icmp_code is not None else -1}"
    perm += f",Ipv6Ranges=[{{CidrIpv6={cidr}}}]" if v6 else f",IpRanges=[{{CidrIp={cidr}}}]"
    return rule, (f"aws ec2 authorize-security-group-{'ingress' if inbound else 'egress'} --group-id {rs.ref.id} "
                  f"--ip-permissions '{perm}'{region}")
