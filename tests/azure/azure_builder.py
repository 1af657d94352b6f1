"""Write small Azure estates as folders of ARM wire JSON, for scenario tests.

Every file is what the ARM REST API returns for a subscription-wide list (`{"value": [...]}`, each resource
`{"id", "name", "type", "location", "properties": {...}}`: compare fixtures/reference/azure/*.json, the
Azure REST API spec examples), written where the collector puts it: `azure/<subscription>/<kind>.json`,
and NIC effective routes at `azure/<subscription>/EffectiveRoutes/<nic name>.json`.

Azure creates some things implicitly and so does Azure's API: an NSG always lists its six default rules
(`defaultSecurityRules`); pass `defaults=False` to omit them (the normalizer must synthesise them). Peerings
are written on both VNets (each side its own resource and flags), as Azure shows a Connected peering.

    b = AzureScenario(tmp_path)
    b.vnet("hub", "10.0.0.0/16")
    b.subnet("hub-app", "hub", "10.0.1.0/24", nsg="nsg-app")
    b.nsg("nsg-app", [rule("allow-ssh", 100, "Inbound", "Allow", "Tcp", src="10.0.0.0/8", ports="22")])
    b.vm("vm1", "hub-app", "10.0.1.4", public_ip="pip-vm1")
    b.public_ip("pip-vm1", "20.1.1.1")
    root = b.write()

Resources are referred to by name; `b.id(name)` is the ARM id. A VM `x` gets the NIC `x-nic`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"
RG = "rg-test"
LOCATION = "westeurope"
NET = "Microsoft.Network"
DEFAULTS = (
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
)


def rule(name: str, priority: int, direction: str, access: str, protocol: str = "*", *,
         src: str | Sequence[str] = "*", dst: str | Sequence[str] = "*", ports: str | Sequence[str] = "*",
         src_ports: str | Sequence[str] = "*", src_asgs: Sequence[str] = (), dst_asgs: Sequence[str] = ()) -> dict[str, Any]:
    """One NSG security rule (name + properties); lists become the plural fields (augmented rules)."""
    p: dict[str, Any] = {"protocol": protocol, "access": access, "priority": priority, "direction": direction}
    for single, plural, value in (("sourceAddressPrefix", "sourceAddressPrefixes", src),
                                  ("destinationAddressPrefix", "destinationAddressPrefixes", dst),
                                  ("destinationPortRange", "destinationPortRanges", ports),
                                  ("sourcePortRange", "sourcePortRanges", src_ports)):
        if isinstance(value, str):
            p[single] = value
        else:
            p[plural] = list(value)
    if src_asgs:
        p.pop("sourceAddressPrefix", None)
        p["sourceApplicationSecurityGroups"] = [{"_asg": a} for a in src_asgs]
    if dst_asgs:
        p.pop("destinationAddressPrefix", None)
        p["destinationApplicationSecurityGroups"] = [{"_asg": a} for a in dst_asgs]
    return {"name": name, "properties": p}


class AzureScenario:
    def __init__(self, root: str | Path, subscription: str = SUBSCRIPTION) -> None:
        self.root = Path(root)
        self.sub = subscription
        self.kinds: dict[str, dict[str, dict[str, Any]]] = {}  # kind -> name -> resource
        self.effective: dict[str, list[dict[str, Any]]] = {}
        self.types: dict[str, str] = {}  # name -> ARM type
        self.ids: dict[str, str] = {}  # name -> ARM id, for child resources (subnets)

    # --- plumbing ---------------------------------------------------------------------------------
    def id(self, name: str, rtype: str | None = None) -> str:
        if rtype is None and name in self.ids:
            return self.ids[name]
        rtype = rtype or self.types[name]
        ns, *types = rtype.split("/")
        if len(types) == 1:
            return f"/subscriptions/{self.sub}/resourceGroups/{RG}/providers/{ns}/{types[0]}/{name}"
        parent, child = name.split("/", 1)
        return f"{self.id(parent, ns + '/' + types[0])}/{types[1]}/{child}"

    def _add(self, kind: str, name: str, rtype: str, props: dict[str, Any], **top: Any) -> dict[str, Any]:
        self.types[name] = rtype
        res = {"name": name, "id": self.id(name, rtype), "type": rtype, "location": LOCATION, **top,
               "properties": {"provisioningState": "Succeeded", **props}}
        self.kinds.setdefault(kind, {})[name] = res
        return res

    def ref(self, name: str) -> dict[str, str]:
        return {"id": self.id(name)}

    # --- resources ----------------------------------------------------------------------------------
    def vnet(self, name: str, *cidrs: str) -> None:
        self._add("virtualNetworks", name, f"{NET}/virtualNetworks",
                  {"addressSpace": {"addressPrefixes": list(cidrs)}, "subnets": [], "virtualNetworkPeerings": []})

    def subnet(self, name: str, vnet: str, cidr: str, *, nsg: str = "", route_table: str = "", nat: str = "",
               default_outbound: bool | None = None) -> None:
        v = self.kinds["virtualNetworks"][vnet]
        self.types[name] = f"{NET}/virtualNetworks/subnets"
        p: dict[str, Any] = {"addressPrefix": cidr, "provisioningState": "Succeeded"}
        if nsg:
            p["networkSecurityGroup"] = {"_ref": nsg}
        if route_table:
            p["routeTable"] = {"_ref": route_table}
        if nat:
            p["natGateway"] = {"_ref": nat}
        if default_outbound is not None:
            p["defaultOutboundAccess"] = default_outbound
        self.ids[name] = f"{v['id']}/subnets/{name}"
        v["properties"]["subnets"].append({"name": name, "id": f"{v['id']}/subnets/{name}",
                                           "type": f"{NET}/virtualNetworks/subnets", "properties": p})

    def peering(self, a: str, b: str, *, state: str = "Connected", a_opts: dict[str, bool] | None = None,
                b_opts: dict[str, bool] | None = None) -> None:
        """Both sides. opts: allowVirtualNetworkAccess (default true), allowForwardedTraffic,
        allowGatewayTransit, useRemoteGateways (default false)."""
        for local, remote, opts in ((a, b, a_opts or {}), (b, a, b_opts or {})):
            v, r = self.kinds["virtualNetworks"][local], self.kinds["virtualNetworks"][remote]
            space = r["properties"]["addressSpace"]
            v["properties"]["virtualNetworkPeerings"].append({
                "name": f"{local}-to-{remote}", "id": f"{v['id']}/virtualNetworkPeerings/{local}-to-{remote}",
                "properties": {"allowVirtualNetworkAccess": True, "allowForwardedTraffic": False,
                               "allowGatewayTransit": False, "useRemoteGateways": False, **opts,
                               "remoteVirtualNetwork": {"id": r["id"]}, "remoteAddressSpace": space,
                               "peeringState": state, "provisioningState": "Succeeded"}})

    def nsg(self, name: str, rules: Sequence[dict[str, Any]] = (), *, defaults: bool = True) -> None:
        nid = self.id(name, f"{NET}/networkSecurityGroups")
        sec = [{**r, "id": f"{nid}/securityRules/{r['name']}", "type": f"{NET}/networkSecurityGroups/securityRules"}
               for r in rules]
        props: dict[str, Any] = {"securityRules": sec}
        if defaults:
            props["defaultSecurityRules"] = [
                {"name": n, "id": f"{nid}/defaultSecurityRules/{n}",
                 "properties": {"protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
                                "sourceAddressPrefix": s, "destinationAddressPrefix": d, "access": a,
                                "priority": p, "direction": direction}} for n, p, direction, a, s, d in DEFAULTS]
        self._add("networkSecurityGroups", name, f"{NET}/networkSecurityGroups", props)

    def asg(self, name: str) -> None:
        self._add("applicationSecurityGroups", name, f"{NET}/applicationSecurityGroups", {})

    def public_ip(self, name: str, address: str) -> None:
        self._add("publicIPAddresses", name, f"{NET}/publicIPAddresses",
                  {"ipAddress": address, "publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"},
                  sku={"name": "Standard"})

    def vm(self, name: str, subnet: str, *ips: str, nsg: str = "", public_ip: str = "", forwarding: bool = False,
           asgs: Sequence[str] = (), power: str = "running") -> None:
        """A VM and its NIC `<name>-nic` (one ipConfiguration per address, the first primary)."""
        nic = f"{name}-nic"
        configs = []
        for i, ip in enumerate(ips):
            p: dict[str, Any] = {"privateIPAddress": ip, "privateIPAllocationMethod": "Static",
                                 "subnet": {"_ref": subnet}, "primary": i == 0, "privateIPAddressVersion": "IPv4"}
            if public_ip and i == 0:
                p["publicIPAddress"] = {"_ref": public_ip}
            if asgs:
                p["applicationSecurityGroups"] = [{"_ref": a} for a in asgs]
            configs.append({"name": f"ipconfig{i + 1}",
                            "id": f"{self.id(nic, NET + '/networkInterfaces')}/ipConfigurations/ipconfig{i + 1}",
                            "properties": p})
        props: dict[str, Any] = {"ipConfigurations": configs, "enableIPForwarding": forwarding, "primary": True,
                                 "virtualMachine": {"_ref": name}}
        if nsg:
            props["networkSecurityGroup"] = {"_ref": nsg}
        self.types[name] = "Microsoft.Compute/virtualMachines"
        self._add("networkInterfaces", nic, f"{NET}/networkInterfaces", props)
        self._add("virtualMachines", name, "Microsoft.Compute/virtualMachines",
                  {"networkProfile": {"networkInterfaces": [{"_ref": nic, "properties": {"primary": True}}]},
                   "instanceView": {"statuses": [{"code": "ProvisioningState/succeeded"},
                                                 {"code": f"PowerState/{power}"}]}})

    def route_table(self, name: str, routes: Sequence[tuple[str, str] | tuple[str, str, str]] = (), *,
                    disable_bgp: bool = False) -> None:
        """routes: (prefix, nextHopType[, nextHopIpAddress])."""
        rid = self.id(name, f"{NET}/routeTables")
        out = []
        for i, r in enumerate(routes):
            p = {"addressPrefix": r[0], "nextHopType": r[1], "provisioningState": "Succeeded"}
            if len(r) > 2:
                p["nextHopIpAddress"] = r[2]
            out.append({"name": f"route{i + 1}", "id": f"{rid}/routes/route{i + 1}", "properties": p})
        self._add("routeTables", name, f"{NET}/routeTables", {"routes": out, "disableBgpRoutePropagation": disable_bgp})

    def nat_gateway(self, name: str, public_ips: Sequence[str]) -> None:
        self._add("natGateways", name, f"{NET}/natGateways",
                  {"publicIpAddresses": [{"_ref": p} for p in public_ips], "idleTimeoutInMinutes": 4},
                  sku={"name": "Standard"})

    def vng(self, name: str, vnet: str, public_ip: str) -> None:
        """A route-based VPN gateway in `vnet`'s GatewaySubnet (add the subnet first)."""
        gw_id = self.id(name, f"{NET}/virtualNetworkGateways")
        self._add("virtualNetworkGateways", name, f"{NET}/virtualNetworkGateways", {
            "gatewayType": "Vpn", "vpnType": "RouteBased", "enableBgp": False, "activeActive": False,
            "ipConfigurations": [{"name": "default", "id": f"{gw_id}/ipConfigurations/default", "properties": {
                "privateIPAllocationMethod": "Dynamic", "publicIPAddress": {"_ref": public_ip},
                "subnet": {"id": f"{self.id(vnet, NET + '/virtualNetworks')}/subnets/GatewaySubnet"}}}]})

    def lng(self, name: str, address: str, prefixes: Sequence[str]) -> None:
        self._add("localNetworkGateways", name, f"{NET}/localNetworkGateways",
                  {"gatewayIpAddress": address, "localNetworkAddressSpace": {"addressPrefixes": list(prefixes)}})

    def connection(self, name: str, vng: str, lng: str, status: str | None = "Connected") -> None:
        p: dict[str, Any] = {"connectionType": "IPsec", "virtualNetworkGateway1": {"_ref": vng},
                             "localNetworkGateway2": {"_ref": lng}, "routingWeight": 0, "enableBgp": False}
        if status is not None:
            p["connectionStatus"] = status
        self._add("connections", name, f"{NET}/connections", p)

    def firewall(self, name: str, subnet: str, ip: str, *, collections: Sequence[dict[str, Any]] = (),
                 policy: str = "") -> None:
        """Classic network rule collections ({"name", "priority", "action", "rules": [...]}) or a policy."""
        p: dict[str, Any] = {"sku": {"name": "AZFW_VNet", "tier": "Standard"}, "ipConfigurations": [
            {"name": "ipconfig", "properties": {"privateIPAddress": ip, "subnet": {"_ref": subnet}}}],
            "networkRuleCollections": [{"name": c["name"], "properties": {
                "priority": c["priority"], "action": {"type": c["action"]}, "rules": c["rules"]}} for c in collections],
            "applicationRuleCollections": [], "natRuleCollections": []}
        if policy:
            p["firewallPolicy"] = {"_ref": policy}
        self._add("azureFirewalls", name, f"{NET}/azureFirewalls", p)

    def firewall_policy(self, name: str, groups: Sequence[dict[str, Any]]) -> None:
        """groups: {"name", "priority", "ruleCollections": [...]} (REST FirewallPolicyRuleCollectionGroup)."""
        self._add("firewallPolicies", name, f"{NET}/firewallPolicies",
                  {"ruleCollectionGroups": [{"id": f"{self.id(name, NET + '/firewallPolicies')}/ruleCollectionGroups/{g['name']}"}
                                            for g in groups]})
        for g in groups:
            self._add("ruleCollectionGroups", f"{name}/{g['name']}", f"{NET}/firewallPolicies/ruleCollectionGroups",
                      {"priority": g["priority"], "ruleCollections": g["ruleCollections"]})
            self.kinds["ruleCollectionGroups"][f"{name}/{g['name']}"]["name"] = g["name"]

    def effective_routes(self, nic: str, routes: Sequence[tuple]) -> None:
        """routes: (source, state, [prefixes], nextHopType[, [next hop ips]])."""
        self.effective[nic] = [{"source": r[0], "state": r[1], "addressPrefix": list(r[2]),
                                "nextHopIpAddress": list(r[4]) if len(r) > 4 else [], "nextHopType": r[3]}
                               for r in routes]

    # --- output -------------------------------------------------------------------------------------
    def _resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"_ref"}:
                return {"id": self.id(value["_ref"])}
            if set(value) == {"_asg"}:
                return {"id": self.id(value["_asg"], f"{NET}/applicationSecurityGroups")}
            out = {k: self._resolve(v) for k, v in value.items() if k != "_ref"}
            if "_ref" in value:
                out["id"] = self.id(value["_ref"])
            return out
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        return value

    def write(self) -> Path:
        base = self.root / "azure" / self.sub
        base.mkdir(parents=True, exist_ok=True)
        for kind, resources in self.kinds.items():
            body = {"value": [self._resolve(r) for r in resources.values()]}
            (base / f"{kind}.json").write_text(json.dumps(body, indent=2) + "\n")
        for nic, routes in self.effective.items():
            (base / "EffectiveRoutes").mkdir(exist_ok=True)
            (base / "EffectiveRoutes" / f"{nic}.json").write_text(json.dumps({"value": routes}, indent=2) + "\n")
        return self.root
