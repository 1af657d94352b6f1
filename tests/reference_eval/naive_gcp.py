"""A deliberately naive reference evaluator for GCP, written from SEMANTICS.md and the Google Cloud docs (not from
flightpath/evaluate): it reads the raw Compute API list bodies and, for every packet, scans every firewall rule,
every policy rule and every route. No indexes, no cache.

Scope (flows outside it return None and are counted as skipped): IPv4 TCP/UDP between the primary internal IPs
(nic networkIP) of two RUNNING instances. Semantics used:
- Firewalls are enforced per VM NIC, stateful: the reply is not filtered
  (https://cloud.google.com/firewall/docs/firewalls). Tiers, first decision wins
  (https://cloud.google.com/firewall/docs/firewall-policies-rule-eval-order): with the network's
  networkFirewallPolicyEnforcementOrder AFTER_CLASSIC_FIREWALL (default) VPC firewall rules, then global network
  firewall policies; BEFORE_CLASSIC_FIREWALL the other way round; then the implied rules (allow egress, deny
  ingress). Hierarchical and regional policies, secure tags and policy service-account targets: out of scope.
- VPC rules: not disabled, same direction, target = all instances / a target tag of the VM / a target service
  account of the VM; ingress source = sourceRanges, or a source tag / source service account of a VM NIC's primary
  IP in the same network (not across peering: https://cloud.google.com/vpc/docs/vpc-peering); egress destination =
  destinationRanges. Smallest priority wins; at equal priority deny beats allow. Equal-priority same-action rules:
  the deciding rule is ANY (the docs do not say which one is reported).
- Policy rules: smallest priority (unique) first; allow / deny stop, goto_next passes to the next tier.
- Routes (https://cloud.google.com/vpc/docs/routes): subnet routes (every subnet's primary and secondary ranges
  of the network, and of ACTIVE peered networks, peering on both sides) before custom routes; custom routes by
  longest prefix, then smallest priority, tags restricting them to tagged VMs. A private destination whose route
  is the default internet gateway is dropped there (Connectivity Tests PRIVATE_TRAFFIC_TO_INTERNET).
Synthetic ids as the model names them: a network's route lookup and implied rules are the network's path (and
"#implied"), a peering is "gcp-peering:" + the two network paths sorted and joined by "|", the default internet
gateway "<network path>#internet"; a policy rule "<policy path>#rule-<priority>".
"""

from __future__ import annotations

import ipaddress as ipa
from pathlib import Path

from flightpath.snapshot import read_snapshot
from tests.reference_eval.common import Result, Unsupported, Walk, combine, in_net, lpm
from tests.reference_eval.projection import ANY, TRACKED

API = "https://www.googleapis.com/compute/v1/"
PROTO = {6: "tcp", 17: "udp"}


def path(link: str) -> str:
    return link[len(API):] if link.startswith(API) else link


def ports_match(entries, proto: int, port: int, key: str = "IPProtocol") -> bool:
    """allowed / denied / layer4Configs: protocol "all" or by name / number; no ports = every port."""
    for e in entries or []:
        p = str(e.get(key, "")).lower()
        if p not in ("all", PROTO[proto], str(proto)):
            continue
        if p == "all" or not e.get("ports"):
            return True
        for rng in e["ports"]:
            lo, _, hi = str(rng).partition("-")
            if int(lo) <= port <= int(hi or lo):
                return True
    return False


class NaiveGcp:
    def __init__(self, root: Path) -> None:
        self.docs: dict[str, list] = {}
        for d in read_snapshot(root).documents.get("gcp", []):
            if isinstance(d.body, list):
                self.docs.setdefault(d.kind, []).extend(d.body)
        self.nics = []  # (ip, instance, nic) for every NIC's primary internal IP
        for inst in self.docs.get("instance", []):
            for nic in inst.get("networkInterfaces", []):
                self.nics.append((nic.get("networkIP"), inst, nic))

    def hosts(self) -> list[str]:
        return sorted({ip for ip, inst, _n in self.nics if ip and inst.get("status") == "RUNNING"})

    def pick(self, rng):
        """Two hosts, most often in one network or in peered networks (unpeered pairs just drop at the gateway)."""
        if not hasattr(self, "_host_nets"):  # the test's flow picker, not the reference: computed once
            self._host_nets = {ip: self.nic(ip)[1]["network"] for ip in self.hosts()}
        hosts = list(self._host_nets)
        a = rng.choice(hosts)
        nets = self.reachable(self._host_nets[a])
        near = [ip for ip in hosts if ip != a and self._host_nets[ip] in nets]
        if near and rng.random() < 0.8:
            return a, rng.choice(near)
        return a, rng.choice([h for h in hosts if h != a])

    # --- lookups, each a full scan ---------------------------------------------------------------------
    def nic(self, ip: str):
        found = [(inst, nic) for nip, inst, nic in self.nics if nip == ip]
        if len(found) != 1:
            raise Unsupported("not exactly one NIC with this IP")
        return found[0]

    def nic_id(self, inst, nic) -> str:
        return f"{path(inst['selfLink'])}#{nic.get('name', 'nic0')}"

    def network(self, link: str):
        for n in self.docs.get("network", []):
            if n.get("selfLink") == link:
                return n
        raise Unsupported("network not described")

    def peers(self, link: str) -> list[str]:
        """Networks peered ACTIVE from both sides (a peering works only when both networks configure it)."""
        out = []
        for p in self.network(link).get("peerings", []):
            if p.get("state") != "ACTIVE":
                continue
            other = p.get("network")
            if any(q.get("network") == link and q.get("state") == "ACTIVE"
                   for q in self.network(other).get("peerings", [])):
                out.append(other)
        return out

    def reachable(self, link: str) -> list[str]:
        return [link] + self.peers(link)

    def subnet_ranges(self, link: str) -> list[str]:
        out = []
        for s in self.docs.get("subnetwork", []):
            if s.get("network") == link:
                out.append(s["ipCidrRange"])
                out += [r["ipCidrRange"] for r in s.get("secondaryIpRanges", [])]
        return out

    # --- firewalls -------------------------------------------------------------------------------------
    def vpc_rules(self, inst, nic, ingress: bool, peer_ip: str, proto: int, port: int):
        """(action, rule id) of the VPC firewall rules' decision, or None when no rule matches."""
        net, tags = nic["network"], set((inst.get("tags") or {}).get("items", []))
        sas = {s.get("email") for s in inst.get("serviceAccounts", [])}
        best = []
        for r in self.docs.get("firewall", []):
            if r.get("network") != net or r.get("disabled") or (r.get("direction", "INGRESS") == "INGRESS") != ingress:
                continue
            if r.get("targetTags") and not tags & set(r["targetTags"]):
                continue
            if r.get("targetServiceAccounts") and not sas & set(r["targetServiceAccounts"]):
                continue
            if ingress and not self.source_matches(r, net, peer_ip):
                continue
            if not ingress and not any(in_net(peer_ip, c) for c in r.get("destinationRanges") or ["0.0.0.0/0"]):
                continue
            action = "deny" if r.get("denied") else "allow"
            if not ports_match(r.get("denied") or r.get("allowed"), proto, port):
                continue
            best.append((int(r.get("priority", 1000)), action != "deny", path(r["selfLink"]), action))
        if not best:
            return None
        best.sort()
        top = [b for b in best if b[:2] == best[0][:2]]
        return best[0][3], (best[0][2] if len(top) == 1 else ANY)

    def source_matches(self, r, net: str, src_ip: str) -> bool:
        ranges, stags, ssas = r.get("sourceRanges"), r.get("sourceTags"), r.get("sourceServiceAccounts")
        if not (ranges or stags or ssas):
            ranges = ["0.0.0.0/0"]
        if any(in_net(src_ip, c) for c in ranges or []):
            return True
        if stags or ssas:
            for ip, inst, nic in self.nics:  # primary IPs of the network's tagged VMs only
                if ip != src_ip or nic.get("network") != net:
                    continue
                if stags and set((inst.get("tags") or {}).get("items", [])) & set(stags):
                    return True
                if ssas and {s.get("email") for s in inst.get("serviceAccounts", [])} & set(ssas):
                    return True
        return False

    def policy(self, nic, ingress: bool, peer_ip: str, proto: int, port: int):
        """(action, rule id) of the global network firewall policies on the network, None if none decides."""
        for pol in self.docs.get("firewallPolicy", []):
            if not any(a.get("attachmentTarget") == nic["network"] for a in pol.get("associations", [])):
                continue
            if "/regions/" in pol.get("selfLink", "") or pol.get("parent"):
                raise Unsupported("regional or hierarchical policy")
            for rule in sorted(pol.get("rules", []), key=lambda x: int(x["priority"])):
                m = rule.get("match") or {}
                if rule.get("disabled") or (rule.get("direction", "INGRESS") == "INGRESS") != ingress:
                    continue
                if rule.get("targetSecureTags") or rule.get("targetServiceAccounts") or m.get("srcSecureTags"):
                    raise Unsupported("secure tags / service-account policy targets")
                side = m.get("srcIpRanges" if ingress else "destIpRanges")
                if not side or not any(in_net(peer_ip, c) for c in side):
                    continue
                if not ports_match(m.get("layer4Configs"), proto, port, key="ipProtocol"):
                    continue
                if rule["action"] in ("allow", "deny"):
                    return rule["action"], f"{path(pol['selfLink'])}#rule-{rule['priority']}"
                if rule["action"] != "goto_next":
                    raise Unsupported("policy action")
                break  # goto_next: on to the next tier
        return None

    def firewall(self, w: Walk, inst, nic, ingress: bool, peer_ip: str, proto: int, port: int) -> bool:
        net = self.network(nic["network"])
        tiers = [lambda: self.vpc_rules(inst, nic, ingress, peer_ip, proto, port),
                 lambda: self.policy(nic, ingress, peer_ip, proto, port)]
        if net.get("networkFirewallPolicyEnforcementOrder") == "BEFORE_CLASSIC_FIREWALL":
            tiers.reverse()
        for tier in tiers:
            decision = tier()
            if decision is not None:
                break
        else:
            implied = "implied deny ingress" if ingress else "implied allow egress"
            decision = ("deny" if ingress else "allow", f"{path(nic['network'])}#implied#{implied}")
        ok = w.add("in" if ingress else "out", self.nic_id(inst, nic), decision[0], decision[1])
        if not ok:
            w.stop("blocked", self.nic_id(inst, nic))
        return ok

    # --- routes ----------------------------------------------------------------------------------------
    def route(self, w: Walk, inst, nic, dst_ip: str) -> str | None:
        """The network the packet is delivered in, or None when it stops (after adding the steps)."""
        net = nic["network"]
        table = path(net)
        subnet_routes = [(c, n) for n in self.reachable(net) for c in self.subnet_ranges(n)]
        best = lpm(subnet_routes, dst_ip, lambda r: r[0])
        if best:
            cidr, owner = best[0]
            w.add("route", table, "forward", str(ipa.ip_network(cidr, strict=False)))
            if owner != net:
                w.add("via", "gcp-peering:" + "|".join(sorted((path(net), path(owner)))), "forward")
            return owner
        tags = set((inst.get("tags") or {}).get("items", []))
        custom = [r for r in self.docs.get("route", []) if r.get("network") == net and r.get("routeType") != "SUBNET"
                  and not r.get("nextHopNetwork") and (not r.get("tags") or tags & set(r["tags"]))]
        best = lpm(custom, dst_ip, lambda r: r.get("destRange"))
        best = [r for r in best if int(r.get("priority", 1000)) == min(int(x.get("priority", 1000)) for x in best)]
        if len(best) != 1:
            raise Unsupported("no single custom route")
        r = best[0]
        if not r.get("nextHopGateway", "").endswith("/default-internet-gateway"):
            raise Unsupported("custom route to another next hop")
        w.add("route", table, "forward", r["destRange"])
        if ipa.ip_address(dst_ip).is_private:
            w.add("via", f"{path(net)}#internet", "drop")
            w.stop("blocked", f"{path(net)}#internet")
            return None
        raise Unsupported("internet destination")

    # --- the walk --------------------------------------------------------------------------------------
    def direction(self, src_ip, dst_ip, proto, dport, reply: bool) -> Walk:
        (s_inst, s_nic), (d_inst, d_nic) = self.nic(src_ip), self.nic(dst_ip)
        w = Walk(self.nic_id(s_inst, s_nic))
        if reply:  # stateful: the reply passes both NICs' firewalls as tracked
            w.add("out", self.nic_id(s_inst, s_nic), "allow", TRACKED)
        elif not self.firewall(w, s_inst, s_nic, False, dst_ip, proto, dport):
            return w
        owner = self.route(w, s_inst, s_nic, dst_ip)
        if owner is None:
            return w
        if owner != d_nic["network"]:
            raise Unsupported("destination IP in another network's range")
        if reply:
            w.add("in", self.nic_id(d_inst, d_nic), "allow", TRACKED)
        elif not self.firewall(w, d_inst, d_nic, True, src_ip, proto, dport):
            return w
        w.add("deliver", self.nic_id(d_inst, d_nic), "deliver")
        w.stop("delivered", None)
        return w

    def trace(self, src_ip: str, dst_ip: str, proto: int, dport: int, sport: int = 49152) -> Result | None:
        try:
            for ip in (src_ip, dst_ip):
                if self.nic(ip)[0].get("status") != "RUNNING":
                    return None
            fwd = self.direction(src_ip, dst_ip, proto, dport, reply=False)
            rep = self.direction(dst_ip, src_ip, proto, sport, reply=True) if fwd.verdict == "delivered" else None
            return combine(fwd, rep)
        except Unsupported:
            return None
