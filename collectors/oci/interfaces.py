"""OCI VNICs, VNIC attachments, private and public IPs, instances → Interfaces (pure).

A VNIC (GetVnic) has its primary `privateIp` and, if any, the `publicIp` bound to it; secondary private IPs
come from ListPrivateIps (`vnicId`), and reserved/ephemeral public IPs bound to secondary private IPs from
ListPublicIps (`assignedEntityType: PRIVATE_IP`, `privateIpId`). The instance comes from ListVnicAttachments
(`vnicId` → `instanceId`) and its name from ListInstances (`displayName`), so `flightpath trace <name>` works.
`skipSourceDestCheck` lets the VNIC forward packets not addressed to it (a route target appliance:
https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/managingVNICs.htm#sourcedest). The VNIC's filter is
the union of its subnet's security lists and its NSGs (security.py); NSG membership (`nsgIds`) also feeds
Estate.group_members for NSG-to-NSG rule references.

    {"id": "ocid1.vnic.oc1..a", "subnetId": "ocid1.subnet.oc1..web", "privateIp": "10.0.1.10",
     "publicIp": "129.146.2.2", "nsgIds": ["ocid1.networksecuritygroup.oc1..app"], "skipSourceDestCheck": false}
    (subnet web with securityListIds [ocid1.securitylist.oc1..web])
    → Interface(oci/vnic, network <vcn>, subnet web, private_ips=(10.0.1.10,), public_ips=((10.0.1.10, 129.146.2.2),),
                stage=FilterStage((union tier (web, app, oci:link-local), default deny)))
      group_members["oci:nsg:ocid1.networksecuritygroup.oc1..app"] = {"ocid1.vnic.oc1..a"}
"""

from __future__ import annotations

from flightpath.model import Interface, IPAddress, NativeRef
from flightpath.model.addresses import parse_address

from flightpath.collectors.oci import recognize as K
from flightpath.collectors.oci.index import Context
from flightpath.collectors.oci.security import nsg_ref, stage_label, vnic_stage


def build_interfaces(ctx: Context) -> None:
    est, idx = ctx.est, ctx.idx
    attached = {a.text("vnicId"): a for a in idx.all(K.VNIC_ATTACHMENT)
                if a.text("lifecycleState").upper() in ("", "ATTACHED", "ATTACHING")}
    secondary: dict[str, list] = {}
    by_private_id: dict[str, IPAddress] = {}
    for p in idx.all(K.PRIVATE_IP):
        ip = parse_address(p.get("ipAddress"), f"{p.where}.ipAddress")
        by_private_id[p.id] = ip
        secondary.setdefault(p.text("vnicId"), []).append(ip)
    public_of: dict[IPAddress, IPAddress] = {}
    for pub in idx.all(K.PUBLIC_IP):
        if pub.text("assignedEntityType").upper() in ("", "PRIVATE_IP") and pub.text("privateIpId") in by_private_id \
                and pub.get("ipAddress"):
            public_of[by_private_id[pub.text("privateIpId")]] = parse_address(pub.get("ipAddress"), f"{pub.where}.ipAddress")
    for inst in idx.all(K.INSTANCE):
        est.instances[inst.id] = inst.ref("instance")
    for v in idx.all(K.VNIC):
        if v.text("lifecycleState").upper() in ("TERMINATING", "TERMINATED", "DETACHED"):
            continue
        subnet = idx.get(K.SUBNET, v.text("subnetId"))
        ips: list[IPAddress] = []
        if v.get("privateIp"):
            ips.append(parse_address(v.get("privateIp"), f"{v.where}.privateIp"))
        ips += [ip for ip in secondary.get(v.id, []) if ip not in ips]
        pubs: list[tuple[IPAddress, IPAddress]] = []
        if v.get("publicIp") and ips:
            pubs.append((ips[0], parse_address(v.get("publicIp"), f"{v.where}.publicIp")))
        pubs += [(ip, public_of[ip]) for ip in ips if ip in public_of and (ip, public_of[ip]) not in pubs]
        nsgs = tuple(str(n) for n in v.get("nsgIds") or [])
        for n in nsgs:
            est.group_members.setdefault(nsg_ref(n), set()).add(v.id)
        lists = tuple(str(s) for s in (subnet.get("securityListIds") or [])) if subnet else ()
        stage_missing = ""
        if subnet is None:
            stage_missing = ctx.why_missing("ListSubnets", f"subnet {v.text('subnetId')} is not in the snapshot, "
                                                          "so its security lists are unknown")
        elif any(s not in est.rule_sets for s in lists):
            stage_missing = ctx.why_missing("ListSecurityLists", "")
        absent = [n for n in nsgs if n not in est.rule_sets]
        if absent and not stage_missing:
            stage_missing = ctx.why_missing(K.NSG_RULES, ctx.why_missing("ListNetworkSecurityGroups", (
                f"the rules of NSG {', '.join(absent)} ({K.NSG_RULES}) are not in the snapshot")))
        att = attached.get(v.id)
        instance = _instance(ctx, att.text("instanceId")) if att else None
        state = ""
        inst_res = idx.get(K.INSTANCE, att.text("instanceId")) if att else None
        if inst_res is not None and inst_res.text("lifecycleState").upper() not in ("", "RUNNING"):
            state = f"instance {inst_res.name or inst_res.id} is {inst_res.text('lifecycleState')}"
        label = stage_label([_name(ctx, K.SECURITY_LIST, s) for s in lists], [_name(ctx, K.NSG, n) for n in nsgs])
        stage = vnic_stage(lists + nsgs, label) if subnet is not None else None
        est.interfaces[v.id] = Interface(
            v.ref("vnic"), subnet.text("vcnId") if subnet else "", v.text("subnetId"), tuple(ips), tuple(pubs),
            stage=stage, forwards=bool(v.get("skipSourceDestCheck")),
            no_forward_setting="skipSourceDestCheck is false",
            instance=instance, stage_missing=stage_missing, note=state, route_table_id=v.text("routeTableId"))


def _instance(ctx: Context, instance_id: str) -> NativeRef | None:
    if not instance_id:
        return None
    ref = ctx.est.instances.get(instance_id)
    if ref is None:
        ref = NativeRef("oci", "instance", instance_id, "")
        ctx.est.instances[instance_id] = ref
    return ref


def _name(ctx: Context, kind: str, rid: str) -> str:
    res = ctx.idx.get(kind, rid)
    return res.name if res is not None and res.name else rid
