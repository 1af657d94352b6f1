"""Azure NICs (and their VMs and application security groups) → Interfaces (pure).

Example (the spec example `NetworkInterfaceGet`, abridged):

    {"id": ".../networkInterfaces/test-nic", "properties": {"enableIPForwarding": false,
     "networkSecurityGroup": {"id": ".../networkSecurityGroups/nsg"},
     "virtualMachine": {"id": ".../virtualMachines/vm1"},
     "ipConfigurations": [{"properties": {"privateIPAddress": "172.20.2.4",
         "publicIPAddress": {"id": ".../publicIPAddresses/test-ip"},
         "subnet": {"id": ".../virtualNetworks/rg1-vnet/subnets/default"}}}]}}
    → Interface(<nic key>, network <rg1-vnet key>, subnet <default key>, private (172.20.2.4,),
                public ((172.20.2.4, <test-ip's ipAddress>),) when test-ip is in the snapshot,
                stage = FilterStage((FilterTier("NIC NSG", (<nsg key>,), first_match, deny),)),
                forwards=False, instance = azure/virtual-machine vm1)

An ipConfiguration may hold a private IP *prefix* (`"172.20.2.16/28"` with privateIPAddressPrefixLength):
every address of the prefix (up to 256) belongs to the NIC. A NIC's application security groups
(ipConfigurations[].applicationSecurityGroups) make it a member of `azure:asg:<asg key>`.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from flightpath.model import (
    Action, FilterStage, FilterTier, Interface, IPAddress, NativeRef, Ordering,
)

from flightpath.collectors.azure import recognize as K
from flightpath.collectors.azure.arm import as_list, field, flag, key, lower, parse_id, props, ref_id, seq
from flightpath.collectors.azure.codes import NSG_BLOCK
from flightpath.collectors.azure.gateways import pip_address
from flightpath.collectors.azure.index import Context
from flightpath.collectors.azure.nsg import asg_ref

MAX_PREFIX_ADDRESSES = 256


def nsg_stage(ctx: Context, nsg_id: str, label: str, owner: str) -> tuple[FilterStage | None, str]:
    """(stage, stage_missing) for an NSG reference: no NSG → no filter at that level (Azure: "no NSG on a
    level = allow at that level"); an NSG that is referenced but absent → unknown, never "no rules"."""
    k = key(nsg_id)
    if not k:
        return None, ""
    if k not in ctx.est.rule_sets:
        why = ctx.why_missing("networkSecurityGroups", f"{label} {nsg_id} of {owner} is not in the snapshot")
        return None, why
    return FilterStage((FilterTier(label, (k,), Ordering.FIRST_MATCH, Action.DENY, block_code=NSG_BLOCK),)), ""


def _addresses(value: Any, where: str, warnings: list[str]) -> list[IPAddress]:
    text = str(value or "").strip()
    if not text:
        return []
    try:
        if "/" in text:
            net = ipaddress.ip_network(text, strict=False)
            if net.num_addresses > MAX_PREFIX_ADDRESSES:
                warnings.append(f"{where}: private IP prefix {text} is larger than {MAX_PREFIX_ADDRESSES} "
                                "addresses; only its first address is used")
                return [net.network_address]
            return list(net)
        return [ipaddress.ip_address(text)]
    except ValueError:
        warnings.append(f"{where}: {text!r} is not an IP address; ignored")
        return []


def _vm_refs(ctx: Context) -> tuple[dict[str, NativeRef], dict[str, str], set[str]]:
    """VM refs by key, VM notes (not running), and the NIC keys each VM calls primary."""
    refs: dict[str, NativeRef] = {}
    notes: dict[str, str] = {}
    primary: set[str] = set()
    for r in ctx.idx.all(K.VM):
        refs[r.key] = r.ref("virtual-machine")
        state = lower(field(r.item, "powerState"))
        for s in as_list(field(field(r.p, "instanceView") or {}, "statuses")):
            code = lower(field(s, "code"))
            if code.startswith("powerstate/"):
                state = "vm " + code.split("/", 1)[1]
        if state and "running" not in state:
            notes[r.key] = f"virtual machine {r.name} is {state.removeprefix('vm ')}"
        nics = as_list(field(field(r.p, "networkProfile") or {}, "networkInterfaces"))
        for n in nics:
            if flag(field(props(n), "primary")) or len(nics) == 1:
                primary.add(key(ref_id(n)))
    return refs, notes, primary


def build_interfaces(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    vms, vm_notes, vm_primary = _vm_refs(ctx)
    est.instances.update(vms)
    for a in idx.all(K.ASG):  # known ASGs, even with no member NIC
        est.group_members.setdefault(asg_ref(a.id), set())
    nics = sorted(idx.all(K.NIC), key=lambda r: not (flag(field(r.p, "primary")) or r.key in vm_primary))
    for r in nics:
        private: list[IPAddress] = []
        public: list[tuple[IPAddress, IPAddress]] = []
        subnet_key = ""
        asgs: list[str] = []
        for j, ipc in enumerate(seq(r.p, "ipConfigurations")):
            pp = props(ipc)
            where = f"{r.where}.ipConfigurations[{j}]"
            addrs = _addresses(field(pp, "privateIPAddress"), where, est.warnings)
            private.extend(a for a in addrs if a not in private)
            sk = key(ref_id(field(pp, "subnet")))
            if sk and (not subnet_key or flag(field(pp, "primary"))):
                subnet_key = sk
            pub_ref = field(pp, "publicIPAddress")
            if pub_ref and addrs:
                pub = pip_address(ctx, pub_ref)
                if pub is not None:
                    public.append((addrs[0], pub))
                else:
                    est.warnings.append(f"{where}: public IP {ref_id(pub_ref) or '?'} of NIC {r.name} is not in "
                                        "the snapshot (or has no address): inbound from the internet is not shown")
            asgs.extend(ref_id(a) for a in as_list(field(pp, "applicationSecurityGroups")) if ref_id(a))
        if not subnet_key:
            est.warnings.append(f"{r.where}: NIC {r.name} has no subnet; ignored")
            continue
        stage, stage_missing = nsg_stage(ctx, ref_id(field(r.p, "networkSecurityGroup")), "NIC NSG", r.name)
        vm_id = ref_id(field(r.p, "virtualMachine"))
        vm_key = key(vm_id)
        instance = None
        if vm_key:
            arm = parse_id(vm_id)
            instance = vms.get(vm_key) or NativeRef("azure", "virtual-machine", vm_id, arm.name if arm else "",
                                                    r.subscription, r.location)
            est.instances.setdefault(vm_key, instance)
        est.interfaces[r.key] = Interface(
            ref=r.ref("network-interface"), network_id=ctx.vnet_of_subnet(subnet_key), subnet_id=subnet_key,
            private_ips=tuple(private), public_ips=tuple(public), stage=stage,
            forwards=flag(field(r.p, "enableIPForwarding")),
            no_forward_setting="IP forwarding (enableIPForwarding) is off",
            instance=instance, stage_missing=stage_missing,
            note=vm_notes.get(vm_key, ""),
            route_table_id=f"{r.key}#effective" if r.key in ctx.effective else "",
            owner=None if vm_key else _nic_owner(r))
        for a in asgs:
            est.group_members.setdefault(asg_ref(a), set()).add(r.key)
        for ip in private:
            ctx.ip_holders.setdefault((ctx.vnet_of_subnet(subnet_key), int(ip)), r.key)


def match_effective_routes(ctx: Context) -> None:
    """Attach each effective-route document to its NIC by name (see recognize.py for the convention)."""
    by_name: dict[str, list] = {}
    for r in ctx.idx.all(K.NIC):
        by_name.setdefault(r.name.lower(), []).append(r)
    for doc in ctx.idx.effective:
        parts = [p.lower() for p in doc.resource_id.split("/")]
        stem = parts[-1] if parts else ""
        hits = by_name.get(stem) or []
        if not hits:
            contained = sorted((n for n in by_name if n and n in stem), key=len, reverse=True)
            hits = by_name.get(contained[0], []) if contained else []
        sub = doc.scope.get("subscription", "").lower()
        if len(hits) > 1 and sub:
            hits = [h for h in hits if h.subscription.lower() == sub] or hits
        if len(hits) > 1:
            hits = [h for h in hits if (parse_id(h.id).resource_group or "").lower() in parts] or hits
        if len(hits) != 1:
            why = "no NIC of that name is in the snapshot" if not hits else "several NICs have that name"
            ctx.est.warnings.append(f"{doc.path}: effective routes ignored: {why} (name the file "
                                    "EffectiveRoutes/<nic-name>.json, in a folder named after its resource group "
                                    "when NIC names repeat)")
            continue
        ctx.effective[hits[0].key] = doc


# A NIC without a virtualMachine that a service created (networkInterfaces: privateEndpoint,
# privateLinkService; https://learn.microsoft.com/rest/api/virtualnetwork/network-interfaces/get)
_NIC_OWNERS = (("privateEndpoint", "private-endpoint"), ("privateLinkService", "private-link-service"))


def _nic_owner(r) -> NativeRef | None:
    for prop, rtype in _NIC_OWNERS:
        oid = ref_id(field(r.p, prop))
        if oid:
            arm = parse_id(oid)
            return NativeRef("azure", rtype, oid, arm.name if arm else "", r.subscription, r.location)
    return None
