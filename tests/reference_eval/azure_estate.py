"""A small seeded Azure estate in the az CLI's JSON shapes, for the differential test (there is no Azure bench
generator): VNets 10.<v>.0.0/16 with two subnets each and two VMs per subnet; VNet v peered both ways with v+1 (so
v and v+2 are not peered: peering is not transitive); random NSGs on some subnets and some NICs (a few custom rules
each: CIDR, VirtualNetwork or * peers, Tcp/Udp/* and port ranges, Allow/Deny) plus the six default rules; on some
subnets a route table with a more specific route to part of a peer's space, next hop None (a user-defined
blackhole). Every name is a function of the seed."""

from __future__ import annotations

import json
import random
from pathlib import Path

SUB = "00000000-0000-4000-8000-00000000a2e1"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-diff/providers"
NET = f"{RG}/Microsoft.Network"

DEFAULTS = [  # https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#default-security-rules
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
]
PORTS = ("22", "80", "443", "5432", "8080", "1000-2000", "*")


def _rule(nsg: str, kind: str, name: str, priority: int, direction: str, access: str, src: str, dst: str,
          proto: str = "*", ports: str = "*") -> dict:
    return {"access": access, "destinationAddressPrefix": dst, "destinationAddressPrefixes": [],
            "destinationPortRange": ports, "destinationPortRanges": [], "direction": direction,
            "id": f"{nsg}/{kind}/{name}", "name": name, "priority": priority, "protocol": proto,
            "provisioningState": "Succeeded", "sourceAddressPrefix": src, "sourceAddressPrefixes": [],
            "sourcePortRange": "*", "sourcePortRanges": [],
            "type": f"Microsoft.Network/networkSecurityGroups/{kind}"}


def _nsg(name: str, rng: random.Random, cidrs: list[str]) -> dict:
    nid = f"{NET}/networkSecurityGroups/{name}"
    rules = []
    for direction in ("Inbound", "Outbound"):
        for k, prio in enumerate(sorted(rng.sample(range(100, 4096, 10), rng.randint(1, 4)))):
            peer = rng.choice(cidrs + ["VirtualNetwork", "*", "10.0.0.0/8"])
            src, dst = (peer, "*") if direction == "Inbound" else ("*", peer)
            rules.append(_rule(nid, "securityRules", f"{direction[:-5].lower()}-{k}", prio, direction,
                               rng.choice(("Allow", "Allow", "Deny")), src, dst, rng.choice(("Tcp", "Udp", "*")),
                               rng.choice(PORTS)))
    return {"id": nid, "name": name, "location": "eastus", "resourceGroup": "rg-diff", "type":
            "Microsoft.Network/networkSecurityGroups", "securityRules": rules,
            "defaultSecurityRules": [_rule(nid, "defaultSecurityRules", *d) for d in DEFAULTS]}


def generate(out: Path, seed: int = 1, vnets: int = 4) -> Path:
    rng = random.Random(seed)
    root = out / "snapshot"
    d = root / "azure" / SUB
    d.mkdir(parents=True, exist_ok=True)
    vnet_bodies, nics, vms, nsgs, tables = [], [], [], [], []
    all_cidrs = [f"10.{v}.{s}.0/24" for v in range(vnets) for s in (1, 2)] + [f"10.{v}.0.0/16" for v in range(vnets)]
    for v in range(vnets):
        vid = f"{NET}/virtualNetworks/vnet-{v}"
        subnets = []
        for s in (1, 2):
            sid = f"{vid}/subnets/snet-{s}"
            sub = {"addressPrefix": f"10.{v}.{s}.0/24", "id": sid, "name": f"snet-{s}", "provisioningState": "Succeeded",
                   "type": "Microsoft.Network/virtualNetworks/subnets", "resourceGroup": "rg-diff"}
            if rng.random() < 0.6:
                nsg = _nsg(f"nsg-{v}-{s}", rng, all_cidrs)
                nsgs.append(nsg)
                sub["networkSecurityGroup"] = {"id": nsg["id"], "resourceGroup": "rg-diff"}
            if v + 1 < vnets and rng.random() < 0.4:
                tid = f"{NET}/routeTables/rt-{v}-{s}"
                tables.append({"id": tid, "name": f"rt-{v}-{s}", "location": "eastus", "resourceGroup": "rg-diff",
                               "type": "Microsoft.Network/routeTables", "disableBgpRoutePropagation": False,
                               "routes": [{"id": f"{tid}/routes/drop-peer", "name": "drop-peer",
                                           "addressPrefix": f"10.{v + 1}.2.0/24", "nextHopType": "None",
                                           "provisioningState": "Succeeded",
                                           "type": "Microsoft.Network/routeTables/routes"}]})
                sub["routeTable"] = {"id": tid, "resourceGroup": "rg-diff"}
            subnets.append(sub)
            for k in range(2):
                name = f"vm-{v}-{s}-{k}"
                nic_id = f"{NET}/networkInterfaces/{name}-nic"
                nic = {"id": nic_id, "name": f"{name}-nic", "location": "eastus", "resourceGroup": "rg-diff",
                       "type": "Microsoft.Network/networkInterfaces", "enableIPForwarding": False, "primary": True,
                       "provisioningState": "Succeeded",
                       "ipConfigurations": [{"id": f"{nic_id}/ipConfigurations/ipconfig1", "name": "ipconfig1",
                                             "primary": True, "privateIPAddress": f"10.{v}.{s}.{4 + k}",
                                             "privateIPAddressVersion": "IPv4", "privateIPAllocationMethod": "Static",
                                             "provisioningState": "Succeeded", "subnet": {"id": sid},
                                             "type": "Microsoft.Network/networkInterfaces/ipConfigurations"}],
                       "virtualMachine": {"id": f"{RG}/Microsoft.Compute/virtualMachines/{name}"}}
                if rng.random() < 0.5:
                    nsg = _nsg(f"{name}-nsg", rng, all_cidrs)
                    nsgs.append(nsg)
                    nic["networkSecurityGroup"] = {"id": nsg["id"], "resourceGroup": "rg-diff"}
                nics.append(nic)
                vms.append({"id": f"{RG}/Microsoft.Compute/virtualMachines/{name}", "name": name, "location": "eastus",
                            "resourceGroup": "rg-diff", "type": "Microsoft.Compute/virtualMachines",
                            "powerState": "VM running", "privateIps": f"10.{v}.{s}.{4 + k}", "publicIps": "",
                            "provisioningState": "Succeeded",
                            "networkProfile": {"networkInterfaces": [{"id": nic_id, "primary": True}]}})
        peerings = []
        for other in (v - 1, v + 1):
            if 0 <= other < vnets:
                oid = f"{NET}/virtualNetworks/vnet-{other}"
                peerings.append({"id": f"{vid}/virtualNetworkPeerings/peer-{v}-{other}", "name": f"peer-{v}-{other}",
                                 "allowVirtualNetworkAccess": True, "allowForwardedTraffic": False,
                                 "allowGatewayTransit": False, "useRemoteGateways": False, "peeringState": "Connected",
                                 "provisioningState": "Succeeded", "remoteVirtualNetwork": {"id": oid},
                                 "remoteAddressSpace": {"addressPrefixes": [f"10.{other}.0.0/16"]},
                                 "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"})
        vnet_bodies.append({"id": vid, "name": f"vnet-{v}", "location": "eastus", "resourceGroup": "rg-diff",
                            "type": "Microsoft.Network/virtualNetworks", "provisioningState": "Succeeded",
                            "addressSpace": {"addressPrefixes": [f"10.{v}.0.0/16"]}, "subnets": subnets,
                            "virtualNetworkPeerings": peerings})
    files = {"virtualNetworks": vnet_bodies, "networkInterfaces": nics, "virtualMachines": vms,
             "networkSecurityGroups": nsgs, "routeTables": tables}
    for name, body in files.items():
        (d / f"{name}.json").write_text(json.dumps(body, indent=1))
    return root
