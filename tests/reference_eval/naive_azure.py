"""A deliberately naive reference evaluator for Azure, written from SEMANTICS.md and the Microsoft docs (not from
flightpath/evaluate): it reads the raw `az ... -o json` lists and, for every packet, scans every NSG rule and every
route. No indexes, no cache.

Scope (flows outside it return None and are counted as skipped): IPv4 TCP/UDP between the private IPs of two NICs
of running VMs, inside one VNet or across one direct peering. Semantics used:
- NSGs (https://learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works): rules and the six
  default rules by ascending priority, first match decides; inbound the subnet's NSG then the NIC's, outbound the
  NIC's then the subnet's; no NSG at a level allows; stateful: the reply passes as tracked. Intra-subnet traffic is
  filtered too. Peers: "*", CIDR / IP, the service tags VirtualNetwork (the VNet's address space and its peered
  VNets'; https://learn.microsoft.com/azure/virtual-network/service-tags-overview), AzureLoadBalancer
  (168.63.129.16) and Internet (public addresses outside the VNet). ASGs, augmented service tags and a
  VirtualNetwork tag that might also hold gateway prefixes: out of scope.
- Routes (https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview): the NIC's effective
  routes when the snapshot has them, else the subnet's: system routes (VNet space → VnetLocal, peered spaces →
  VNetPeering, 0.0.0.0/0 → Internet, 10/8, 172.16/12, 192.168/16, 100.64/10 → None) and the subnet's route table
  (UDRs); longest prefix, a UDR beats a system route of the same prefix; next hop None drops.
Order of the steps on the way (the docs order the NSGs; the route lookup sits where the packet leaves the NIC
for the subnet's router): source NIC, its NSG (out), the route lookup, the source subnet's NSG (out), the peering
(named by the peering resource of the VNet whose id sorts first: both VNets describe the one link), the
destination subnet's NSG (in), the destination NIC's NSG (in), delivery.
"""

from __future__ import annotations

import ipaddress as ipa
from pathlib import Path

from flightpath.snapshot import read_snapshot
from tests.reference_eval.common import Result, Unsupported, Walk, combine, in_net, lpm
from tests.reference_eval.projection import TRACKED

N = "Microsoft.Network/"
RESERVED = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
PROTO = {6: "tcp", 17: "udp"}


def low(x: str) -> str:
    return x.lower()


class NaiveAzure:
    def __init__(self, root: Path) -> None:
        self.lists: dict[str, list] = {}
        self.effective: dict[str, list] = {}  # NIC name (file stem) -> effective routes
        for d in read_snapshot(root).documents.get("azure", []):
            if d.kind == "effectiveRouteTable":
                self.effective[Path(d.resource_id).name] = d.body
            elif isinstance(d.body, list):
                self.lists.setdefault(d.kind, []).extend(d.body)

    def hosts(self) -> list[str]:
        running = {low(vm["id"]) for vm in self.lists.get(N.replace("Network", "Compute") + "virtualMachines", [])
                   if vm.get("powerState", "VM running") == "VM running"}
        return sorted(c["privateIPAddress"] for n in self.lists.get(N + "networkInterfaces", [])
                      if low((n.get("virtualMachine") or {}).get("id", "")) in running
                      for c in n.get("ipConfigurations", []) if c.get("privateIPAddress"))

    # --- lookups, each a full scan ---------------------------------------------------------------------
    def nic(self, ip: str):
        found = [(n, c) for n in self.lists.get(N + "networkInterfaces", []) for c in n.get("ipConfigurations", [])
                 if c.get("privateIPAddress") == ip]
        if len(found) != 1:
            raise Unsupported("not exactly one NIC")
        return found[0]

    def vnet_of(self, subnet_id: str):
        for v in self.lists.get(N + "virtualNetworks", []):
            for s in v.get("subnets", []):
                if low(s["id"]) == low(subnet_id):
                    return v, s
        raise Unsupported("subnet not described")

    def vnet(self, vid: str):
        for v in self.lists.get(N + "virtualNetworks", []):
            if low(v["id"]) == low(vid):
                return v
        raise Unsupported("VNet not described")

    def nsg(self, ref):
        if not ref:
            return None
        for g in self.lists.get(N + "networkSecurityGroups", []):
            if low(g["id"]) == low(ref["id"]):
                return g
        raise Unsupported("NSG not described")

    def peerings(self, vnet) -> list:
        """Connected peerings that allow access, each (peering, remote VNet)."""
        out = []
        for p in vnet.get("virtualNetworkPeerings", []):
            if p.get("peeringState") == "Connected" and p.get("allowVirtualNetworkAccess", True):
                out.append((p, self.vnet(p["remoteVirtualNetwork"]["id"])))
        return out

    def space(self, vnet) -> list[str]:
        return (vnet.get("addressSpace") or {}).get("addressPrefixes", [])

    # --- NSGs --------------------------------------------------------------------------------------------
    def tag_matches(self, prefix: str, ip: str, vnet) -> bool:
        p = low(prefix)
        if p in ("*", "any"):
            return True
        if p == "virtualnetwork":
            spaces = self.space(vnet) + [c for _p, r in self.peerings(vnet) for c in self.space(r)]
            if any(in_net(ip, c) for c in spaces):
                return True
            gateway = any(p.get("useRemoteGateways") for p in vnet.get("virtualNetworkPeerings", [])) or any(
                s.get("name") == "GatewaySubnet" for s in vnet.get("subnets", []))
            if gateway:
                raise Unsupported("VirtualNetwork tag with gateway prefixes")
            return False
        if p == "azureloadbalancer":
            return ip == "168.63.129.16"
        if p == "internet":
            return ipa.ip_address(ip).is_global
        try:
            return in_net(ip, prefix)
        except ValueError:
            raise Unsupported(f"service tag {prefix}") from None

    @staticmethod
    def port_matches(rule, key: str, port: int) -> bool:
        ranges = rule.get(key + "PortRanges") or [rule.get(key + "PortRange") or "*"]
        for r in ranges:
            if r == "*":
                return True
            lo, _, hi = str(r).partition("-")
            if int(lo) <= port <= int(hi or lo):
                return True
        return False

    def nsg_decides(self, g, inbound: bool, src_ip, dst_ip, proto, sport, dport, vnet):
        rules = [r for r in (g.get("securityRules") or []) + (g.get("defaultSecurityRules") or [])
                 if r.get("direction") == ("Inbound" if inbound else "Outbound")]
        for r in sorted(rules, key=lambda r: int(r["priority"])):
            if low(r.get("protocol", "*")) not in ("*", PROTO[proto]):
                continue
            if any(r.get(k) for k in ("sourceApplicationSecurityGroups", "destinationApplicationSecurityGroups")):
                raise Unsupported("ASG")
            srcs = r.get("sourceAddressPrefixes") or [r.get("sourceAddressPrefix") or "*"]
            dsts = r.get("destinationAddressPrefixes") or [r.get("destinationAddressPrefix") or "*"]
            if not any(self.tag_matches(s, src_ip, vnet) for s in srcs):
                continue
            if not any(self.tag_matches(d, dst_ip, vnet) for d in dsts):
                continue
            if not (self.port_matches(r, "source", sport) and self.port_matches(r, "destination", dport)):
                continue
            return low(r["access"]) == "allow", r["id"]
        raise Unsupported("no NSG rule matched (no default rules?)")

    def nsg_step(self, w: Walk, resource: str, ref, inbound: bool, flow, vnet, reply: bool) -> bool:
        g = self.nsg(ref)
        if g is None:
            return True  # no NSG at this level: allowed, and no step
        if reply:
            w.add("in" if inbound else "out", resource, "allow", TRACKED)
            return True
        ok, rule = self.nsg_decides(g, inbound, *flow, vnet)
        if not w.add("in" if inbound else "out", resource, "allow" if ok else "deny", rule):
            w.stop("blocked", resource)
        return ok

    # --- routes ----------------------------------------------------------------------------------------
    def routes(self, nic, subnet, vnet) -> tuple[str, list]:
        """(table id as projected, [(prefix, next hop type, is_user)])."""
        eff = self.effective.get(nic["name"])
        if eff is not None:
            out = [(p, r.get("nextHopType"), r.get("source") == "User") for r in eff
                   if r.get("state", "Active") == "Active" for p in r.get("addressPrefix", [])]
            return nic["id"], out
        out = [(c, "VnetLocal", False) for c in self.space(vnet)]
        out += [(c, "VNetPeering", False) for _p, r in self.peerings(vnet) for c in self.space(r)]
        out += [("0.0.0.0/0", "Internet", False)]
        # the reserved ranges route to None, unless the VNet's address space holds the whole range (then Azure
        # replaces the route by the VNet's): a /16 inside 10/8 keeps 10.0.0.0/8 -> None (udr-overview, "Default")
        out += [(c, "None", False) for c in RESERVED
                if not any(ipa.ip_network(c).subnet_of(ipa.ip_network(s, strict=False)) for s in self.space(vnet))]
        if subnet.get("routeTable"):
            for t in self.lists.get(N + "routeTables", []):
                if low(t["id"]) == low(subnet["routeTable"]["id"]):
                    out += [(r["addressPrefix"], r.get("nextHopType"), True) for r in t.get("routes", [])]
        return subnet["id"], out

    def route(self, w: Walk, nic, subnet, vnet, dst_ip: str):
        """The VNet the packet is delivered in and the peering it crosses (or None), or False when it stops."""
        table, routes = self.routes(nic, subnet, vnet)
        best = lpm(routes, dst_ip, lambda r: r[0])
        if any(r[2] for r in best):  # a UDR beats a system route of the same prefix
            best = [r for r in best if r[2]]
        if len(best) != 1 and len({r[1] for r in best}) != 1:
            raise Unsupported("ambiguous routes")
        if not best or low(best[0][1]) == "none":
            w.add("route", table, "drop", best[0][0] if best else None)
            w.stop("no_route", table)
            return False
        prefix, hop = best[0][0], low(best[0][1])
        w.add("route", table, "forward", prefix)
        if hop == "vnetlocal":
            return vnet, None
        if hop == "vnetpeering":
            for p, remote in self.peerings(vnet):
                if any(in_net(dst_ip, c) for c in self.space(remote)):
                    a, b = sorted((vnet, remote), key=lambda v: low(v["id"]))
                    link = [q for q, r in self.peerings(a) if low(r["id"]) == low(b["id"])]
                    if not link:
                        raise Unsupported("one-sided peering")
                    return remote, link[0]["id"]
        raise Unsupported(f"next hop {hop}")

    # --- the walk --------------------------------------------------------------------------------------
    def direction(self, src_ip, dst_ip, proto, sport, dport, reply: bool) -> Walk:
        (s_nic, s_cfg), (d_nic, d_cfg) = self.nic(src_ip), self.nic(dst_ip)
        s_vnet, s_sub = self.vnet_of(s_cfg["subnet"]["id"])
        d_vnet, d_sub = self.vnet_of(d_cfg["subnet"]["id"])
        flow = (src_ip, dst_ip, proto, sport, dport)
        w = Walk(s_nic["id"])
        if not self.nsg_step(w, s_nic["id"], s_nic.get("networkSecurityGroup"), False, flow, s_vnet, reply):
            return w
        got = self.route(w, s_nic, s_sub, s_vnet, dst_ip)
        if got is False:
            return w
        vnet, peering = got
        if low(vnet["id"]) != low(d_vnet["id"]):
            raise Unsupported("delivered in another VNet")
        if not self.nsg_step(w, s_sub["id"], s_sub.get("networkSecurityGroup"), False, flow, s_vnet, reply):
            return w
        if peering:
            w.add("via", peering, "forward")
        if not self.nsg_step(w, d_sub["id"], d_sub.get("networkSecurityGroup"), True, flow, d_vnet, reply):
            return w
        if not self.nsg_step(w, d_nic["id"], d_nic.get("networkSecurityGroup"), True, flow, d_vnet, reply):
            return w
        w.add("deliver", d_nic["id"], "deliver")
        w.stop("delivered", None)
        return w

    def trace(self, src_ip: str, dst_ip: str, proto: int, dport: int, sport: int = 49152) -> Result | None:
        try:
            if self.nic(src_ip)[0] is self.nic(dst_ip)[0]:
                return None
            fwd = self.direction(src_ip, dst_ip, proto, sport, dport, reply=False)
            rep = self.direction(dst_ip, src_ip, proto, dport, sport, reply=True) if fwd.verdict == "delivered" else None
            return combine(fwd, rep)
        except Unsupported:
            return None
