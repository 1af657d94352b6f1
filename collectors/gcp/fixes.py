"""The GCP side of fix suggestions (flightpath/questions/fixes.py): priorities and the gcloud command.

Where the allow goes follows the tier that denied (https://cloud.google.com/firewall/docs/firewall-policies-rule-eval-order):
- VPC firewall rules, or the implied deny (the implied rules cannot be edited; a VPC rule at 65534 is evaluated
  before them) → `gcloud compute firewall-rules create` (priorities 0-65535: firewalls#priority_order);
- a global / regional network firewall policy → `gcloud compute network-firewall-policies rules create`;
- a hierarchical policy → `gcloud compute firewall-policies rules create` (policy rule priorities
  0-2147483547: firewall-policies-rule-details#priority);
- always-blocked traffic (egress TCP 25 to the internet) has no priority range: no rule can allow it.

    realise(<VPC firewall rules of vpc-gcp>, allow tcp 22 from 10.1.1.10/32 to 10.200.1.10/32 inbound at 999)
      → (the same rule, "gcloud compute firewall-rules create flightpath-fix-in-tcp-22 --project kickstart-gcp-lab
         --network vpc-gcp --direction INGRESS --priority 999 --action ALLOW --rules tcp:22
         --source-ranges 10.1.1.10/32 --destination-ranges 10.200.1.10/32")
"""

from __future__ import annotations

from flightpath.model import Direction, Rule, RuleSet

VPC_PRIORITIES = (0, 65535)
POLICY_PRIORITIES = (0, 2147483547)
NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "58", 50: "esp", 51: "ah", 132: "sctp"}


def priority_range(rs: RuleSet) -> tuple[int, int]:
    if rs.ref.type == "always-blocked-traffic":
        return (1, 0)  # empty: nothing can be inserted before GCP's own always-blocked rules
    return POLICY_PRIORITIES if rs.ref.type == "firewall-policy" else VPC_PRIORITIES


def _l4(rule: Rule) -> str:
    if rule.protocol is None:
        return "all"
    name = NAMES.get(rule.protocol, str(rule.protocol))
    return f"{name}:{rule.dst_ports[0].low}" if rule.dst_ports else name


def realise(rs: RuleSet, rule: Rule) -> tuple[Rule, str]:
    """GCP rules name ports but not ICMP types (any ICMP of the protocol)."""
    from dataclasses import replace

    if rule.protocol in (1, 58):
        rule = replace(rule, icmp_type=None, icmp_code=None)
    inbound = rule.direction is Direction.INGRESS
    src, dst = rule.sources.cidrs[0], rule.destinations.cidrs[0]
    network = rs.network_id.rsplit("/", 1)[-1]
    project = rs.network_id.split("/")[1] if rs.network_id.startswith("projects/") else ""
    if rs.ref.type == "firewall-policy":
        policy = rs.ref.id.rsplit("/", 1)[-1]
        if rs.ref.id.startswith("locations/"):
            where = f"gcloud compute firewall-policies rules create {rule.priority} --firewall-policy {policy}"
        else:
            region = rs.ref.id.split("/regions/")[1].split("/")[0] if "/regions/" in rs.ref.id else ""
            where = (f"gcloud compute network-firewall-policies rules create {rule.priority} --firewall-policy {policy} "
                     f"--project {project} " + (f"--firewall-policy-region {region}" if region else "--global-firewall-policy"))
        return rule, (f"{where} --direction {'INGRESS' if inbound else 'EGRESS'} --action allow "
                      f"--layer4-configs {_l4(rule)} --src-ip-ranges {src} --dest-ip-ranges {dst}")
    l4 = _l4(rule)
    name = f"flightpath-fix-{'in' if inbound else 'out'}-{l4.replace(':', '-')}"
    return rule, (f"gcloud compute firewall-rules create {name} --project {project} --network {network} "
                  f"--direction {'INGRESS' if inbound else 'EGRESS'} --priority {rule.priority} --action ALLOW "
                  f"--rules {l4} --source-ranges {src} --destination-ranges {dst}")
