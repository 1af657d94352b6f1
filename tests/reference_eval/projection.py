"""The one projection of a fast-evaluator trace that the naive references are compared with (issue 13).

A path (Trace.forward or Trace.reply) is projected to a tuple of Steps, one per hop, in hop order:

    Step(kind, resource, decision, detail)

- kind: what the hop does — "start", "out" (egress filter), "in" (ingress filter), "route" (route lookup),
  "via" (the packet crosses a peering / attachment / gateway / VPN), "deliver", "exit", "nat".
- resource: the native id of the hop's resource (ENI / NIC / VNIC, subnet, attachment, peering ...). For a
  route lookup it is the route table's id with any "#..." suffix cut off: GCP has no route tables (the
  lookup is the network's: its self link) and Azure's derived tables are named after the NIC (effective
  routes) or the subnet (routes derived from UDRs and system routes).
- decision: allow / deny (filters), forward / drop (route lookups, crossings), deliver, exit.
- detail: for a route lookup, the chosen route's destination prefix. For a filter whose rule set is
  first-match (a well-defined single deciding rule): AWS network ACL "acl-id#RuleNumber", Azure NSG the
  security rule's id, GCP the deciding firewall rule / policy rule / implied rule id (implied: "#" + label).
  For union filters (AWS security groups: "its SGs as one filter step"; OCI security lists ∪ NSGs) which allow
  fired is not determined: detail RULES. A reply let through by connection tracking (no rule): TRACKED, so an
  OCI stateless match (not tracked: the reply is filtered by rules) differs from a stateful one.

A reference may put ANY as a detail where the docs leave the deciding rule open (e.g. two GCP rules of the
same priority and action both match); ANY matches every detail. Each SG / NSG / firewall tier of one
interface is one Step, so a skipped, added or reordered filter stage (e.g. NACL before SG on the way out,
or a missing destination NACL) changes the tuple and the comparison fails.
"""

from __future__ import annotations

from typing import NamedTuple

ANY = "*"
RULES = "rules"  # a union filter decided by its rules (which allow fired is not determined)
TRACKED = "tracked"  # a stateful filter let a reply through as part of a tracked connection (no rule)

KINDS = {"start": "start", "egress_filter": "out", "ingress_filter": "in", "route_lookup": "route",
         "forward": "via", "deliver": "deliver", "exit": "exit", "nat": "nat"}
# rule-set types whose deciding rule is unique: first match by number / priority
FIRST_MATCH = {"network-acl", "security-rule", "default-security-rule", "firewall", "firewall-policy-rule",
               "implied-firewall-rules"}


class Step(NamedTuple):
    kind: str
    resource: str
    decision: str
    detail: str | None = None


def project_hop(hop) -> Step:
    kind = KINDS.get(hop.check.value, hop.check.value)
    detail = None
    resource = hop.resource.id
    if kind == "route":
        if hop.route is not None:
            resource = hop.route.table.id
            detail = hop.route.destination
        resource = resource.split("#", 1)[0]
        decision = "drop" if hop.decision.value in ("drop", "deny") else "forward"
        return Step(kind, resource, decision, detail)
    if kind in ("out", "in") and hop.rule is None:
        detail = TRACKED
    elif kind in ("out", "in") and hop.rule.resource.type not in FIRST_MATCH:
        detail = RULES
    elif kind in ("out", "in"):
        detail = hop.rule.resource.id
        if hop.rule.resource.type == "network-acl":
            detail = f"{hop.rule.resource.id}#{hop.rule.label}"
        elif hop.rule.resource.type == "implied-firewall-rules":
            detail = f"{hop.rule.resource.id}#{hop.rule.label}"
    return Step(kind, resource, hop.decision.value, detail)


def project(path) -> tuple[Step, ...] | None:
    if path is None:
        return None
    return tuple(project_hop(h) for h in path.hops)


def same(expected: tuple[Step, ...] | None, got: tuple[Step, ...] | None) -> bool:
    if expected is None or got is None:
        return expected is got
    if len(expected) != len(got):
        return False
    return all(e[:3] == g[:3] and (e.detail == ANY or e.detail == g.detail) for e, g in zip(expected, got))
