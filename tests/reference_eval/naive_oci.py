"""A deliberately naive reference evaluator for OCI, written from SEMANTICS.md and the Oracle docs (not from
flightpath/evaluate): it reads the raw List*/Get* bodies and, for every packet, scans every security rule and every
route rule. No indexes, no cache.

Scope (flows outside it return None and are counted as skipped): IPv4 TCP/UDP between the private IPs of two VNICs
(GetVnic) in one region; routing inside a VCN and between VCNs attached to one DRG. Semantics used:
- Security rules (https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm): a VNIC's rule set
  is the union of its subnet's security lists and its NSGs; allow-only, a packet passes if any rule allows it.
  Rules are stateful unless isStateless; "if traffic matches both a stateful and a stateless rule in a
  direction, the stateless rule takes precedence and the connection is not tracked". Tracking is per VNIC: the
  reply passes a VNIC as tracked only if the request matched no stateless rule there, else the reply needs a rule
  of its own (ports swapped). NSG rules may name an NSG as peer (the private IPs of its VNICs).
- Routing (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingroutetables.htm): VCN-local traffic
  is routed implicitly (the VCN CIDR, "local"); otherwise the subnet's route table by longest prefix, no match
  drops. A rule to the DRG: the DRG route table of the attachment of entry, longest prefix (blackhole drops,
  isConflict rules are not used), to the next hop attachment's VCN, local there
  (https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingDRGs.htm). Per-VNIC route tables, VCN ingress
  route tables, LPGs and gateways other than the DRG: out of scope.
Synthetic id as the model names it: the destination VCN's local lookup after a DRG is "<attachment id>".
"""

from __future__ import annotations

from pathlib import Path

from flightpath.snapshot import read_snapshot
from tests.reference_eval.common import Result, Unsupported, Walk, combine, in_net, lpm
from tests.reference_eval.projection import RULES, TRACKED

PROTO = {6: "tcp", 17: "udp"}


class NaiveOci:
    def __init__(self, root: Path) -> None:
        self.lists: dict[str, list] = {}
        self.per: dict[tuple[str, str], list] = {}
        for d in read_snapshot(root).documents.get("oci", []):
            if d.resource_id:
                self.per[(d.kind, d.resource_id)] = d.body
            elif isinstance(d.body, list):
                self.lists.setdefault(d.kind, []).extend(d.body)

    def hosts(self) -> list[str]:
        return sorted({v["privateIp"] for v in self.lists.get("vnic", []) if v.get("privateIp")})

    # --- lookups, each a full scan ---------------------------------------------------------------------
    def one(self, kind: str, oid: str):
        for x in self.lists.get(kind, []):
            if x.get("id") == oid:
                return x
        raise Unsupported(f"{kind} {oid} not described")

    def vnic(self, ip: str):
        found = [v for v in self.lists.get("vnic", []) if v.get("privateIp") == ip]
        if len(found) != 1:
            raise Unsupported("not exactly one VNIC")
        if found[0].get("routeTableId"):
            raise Unsupported("per-VNIC route table")
        return found[0]

    def nsg_members(self, nsg: str) -> list[str]:
        return [v["privateIp"] for v in self.lists.get("vnic", []) if nsg in (v.get("nsgIds") or [])]

    def rules(self, vnic, ingress: bool):
        """Every rule that applies to the VNIC in this direction: its subnet's security lists, then its NSGs."""
        subnet = self.one("subnet", vnic["subnetId"])
        out = []
        for sl in subnet.get("securityListIds", []):
            out += self.one("securitylist", sl).get("ingressSecurityRules" if ingress else "egressSecurityRules") or []
        for nsg in vnic.get("nsgIds") or []:
            body = self.per.get(("ListNetworkSecurityGroupSecurityRules", nsg))
            if body is None:
                raise Unsupported("NSG rules not collected")
            out += [r for r in body if r.get("direction") == ("INGRESS" if ingress else "EGRESS")]
        return out

    def rule_matches(self, r, ingress: bool, peer_ip: str, proto: int, sport: int, dport: int, vcn_id: str) -> bool:
        p = str(r.get("protocol", "")).lower()
        if p not in ("all", str(proto)):
            return False
        peer, kind = (r.get("source"), r.get("sourceType")) if ingress else (r.get("destination"),
                                                                             r.get("destinationType"))
        kind = kind or "CIDR_BLOCK"
        if kind == "CIDR_BLOCK":
            if not peer or not in_net(peer_ip, peer):
                return False
        elif kind == "NETWORK_SECURITY_GROUP":
            # an NSG holds "a set of VNICs ... in a single VCN" (networksecuritygroups.htm); a peer NSG of another
            # VCN than the rule's VNIC is outside this reference's scope (the docs found do not say it works)
            if self.one("networksecuritygroup", peer).get("vcnId") != vcn_id:
                raise Unsupported("an NSG of another VCN as peer")
            if peer_ip not in self.nsg_members(peer):
                return False
        else:
            raise Unsupported("service CIDR label")
        opts = r.get("tcpOptions" if proto == 6 else "udpOptions") if p != "all" else None
        for key, port in (("destinationPortRange", dport), ("sourcePortRange", sport)):
            rng = (opts or {}).get(key)
            if rng and not int(rng["min"]) <= port <= int(rng["max"]):
                return False
        return True

    def filter(self, vnic, ingress: bool, peer_ip: str, proto: int, sport: int, dport: int) -> tuple[bool, bool]:
        """(allowed, tracked): allowed if any rule matches; tracked unless a matching rule is stateless."""
        if in_net(peer_ip, "169.254.0.0/16"):
            raise Unsupported("link-local: rules not enforced")
        vcn = self.vcn_of(vnic)["id"]
        matched = [r for r in self.rules(vnic, ingress)
                   if self.rule_matches(r, ingress, peer_ip, proto, sport, dport, vcn)]
        return bool(matched), not any(r.get("isStateless") for r in matched)

    # --- routes ----------------------------------------------------------------------------------------
    def vcn_of(self, vnic):
        return self.one("vcn", self.one("subnet", vnic["subnetId"])["vcnId"])

    @staticmethod
    def vcn_cidrs(vcn) -> list[str]:
        return vcn.get("cidrBlocks") or [vcn["cidrBlock"]]

    def route(self, w: Walk, src, dst_ip: str) -> str | None:
        """The VCN id the packet is delivered in (after adding the route steps), or None when it stops."""
        vcn = self.vcn_of(src)
        table = self.one("routetable", self.one("subnet", src["subnetId"])["routeTableId"])
        rules = [r for r in table.get("routeRules", []) if r.get("destinationType", "CIDR_BLOCK") == "CIDR_BLOCK"]
        local = [c for c in self.vcn_cidrs(vcn) if in_net(dst_ip, c)]
        if local:
            plen = int(local[0].split("/")[1])
            if any(int(r["destination"].split("/")[1]) >= plen for r in lpm(rules, dst_ip, lambda r: r.get("destination"))):
                raise Unsupported("a route rule as specific as the VCN CIDR (intra-VCN routing)")
            w.add("route", table["id"], "forward", local[0])
            return vcn["id"]
        best = lpm(rules, dst_ip, lambda r: r.get("destination"))
        if len(best) != 1:
            w.add("route", table["id"], "drop", None)
            w.stop("no_route", table["id"])
            return None
        rule = best[0]
        target = rule.get("networkEntityId", "")
        if ".drg." not in target:
            raise Unsupported("route target other than a DRG")
        att = [a for a in self.lists.get("drgattachment", []) if a.get("drgId") == target
               and (a.get("networkDetails") or {}).get("id") == vcn["id"] and a.get("lifecycleState") == "ATTACHED"]
        if len(att) != 1:
            raise Unsupported("not one DRG attachment for the VCN")
        w.add("route", table["id"], "forward", rule["destination"])
        w.add("via", att[0]["id"], "forward")
        drt = att[0].get("drgRouteTableId")
        drules = [r for r in self.per.get(("ListDrgRouteRules", drt), []) if not r.get("isConflict")]
        best = lpm(drules, dst_ip, lambda r: r.get("destination") if r.get("destinationType", "CIDR_BLOCK")
                   == "CIDR_BLOCK" else None)
        if not best or any(r.get("isBlackhole") for r in best):
            w.add("route", drt, "drop", best[0]["destination"] if best else None)
            w.stop("no_route", drt)
            return None
        if len(best) != 1:
            raise Unsupported("ECMP in the DRG")
        nxt = self.one("drgattachment", best[0]["nextHopDrgAttachmentId"])
        details = nxt.get("networkDetails") or {}
        if details.get("type") != "VCN" or details.get("routeTableId"):
            raise Unsupported("DRG next hop not a plain VCN attachment")
        w.add("route", drt, "forward", best[0]["destination"])
        w.add("via", nxt["id"], "forward")
        d_vcn = self.one("vcn", details["id"])
        local = [c for c in self.vcn_cidrs(d_vcn) if in_net(dst_ip, c)]
        if not local:
            raise Unsupported("DRG sends it to a VCN that does not hold the address")
        w.add("route", nxt["id"], "forward", local[0])
        return d_vcn["id"]

    # --- the walk --------------------------------------------------------------------------------------
    def direction(self, src, dst, proto, sport, dport, tracked: tuple[bool, bool] | None) -> tuple[Walk, tuple]:
        """One direction. `tracked` is None for the request, else whether the request was tracked at (src, dst) of
        this reply. Returns the walk and, for the request, whether it is tracked at its (src, dst)."""
        s_ip, d_ip = src["privateIp"], dst["privateIp"]
        w = Walk(src["id"])
        if tracked is not None and tracked[0]:
            out_ok, out_tr = True, True
            w.add("out", src["id"], "allow", TRACKED)
        else:
            out_ok, out_tr = self.filter(src, False, d_ip, proto, sport, dport)
            if not w.add("out", src["id"], "allow" if out_ok else "deny", RULES):
                w.stop("blocked", src["id"])
                return w, ()
        vcn = self.route(w, src, d_ip)
        if vcn is None:
            return w, ()
        if vcn != self.vcn_of(dst)["id"]:
            raise Unsupported("delivered to another VCN")
        if tracked is not None and tracked[1]:
            in_tr = True
            w.add("in", dst["id"], "allow", TRACKED)
        else:
            in_ok, in_tr = self.filter(dst, True, s_ip, proto, sport, dport)
            if not w.add("in", dst["id"], "allow" if in_ok else "deny", RULES):
                w.stop("blocked", dst["id"])
                return w, ()
        w.add("deliver", dst["id"], "deliver")
        w.stop("delivered", None)
        return w, (out_tr, in_tr)

    def trace(self, src_ip: str, dst_ip: str, proto: int, dport: int, sport: int = 49152) -> Result | None:
        try:
            src, dst = self.vnic(src_ip), self.vnic(dst_ip)
            if src is dst:
                return None
            fwd, tr = self.direction(src, dst, proto, sport, dport, None)
            rep = None
            if fwd.verdict == "delivered":  # the reply leaves dst (tracked there if the request was) for src
                rep, _ = self.direction(dst, src, proto, dport, sport, (tr[1], tr[0]))
            return combine(fwd, rep)
        except Unsupported:
            return None
