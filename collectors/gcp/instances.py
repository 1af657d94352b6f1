"""Compute Engine instances → one Interface per NIC (pure).

- `networkIP` is the NIC's primary address (listed first: `flightpath trace vm-name` uses it); alias IP
  ranges (`aliasIpRanges[].ipCidrRange`, e.g. GKE pod ranges from the subnet's secondary range) are addresses
  the NIC holds (https://cloud.google.com/vpc/docs/alias-ip), so a trace to a pod IP lands on its node. The
  core indexes single addresses: each alias range is expanded, up to MAX_ALIAS addresses per NIC (a warning
  names what was left out).
- `accessConfigs[].natIP` is the NIC's external IP: (networkIP, natIP) in public_ips.
- `canIpForward` → forwards (a next-hop instance must have it to forward: routes#canipforward).
- `status` other than RUNNING → the interface's note (Connectivity Tests: INSTANCE_NOT_RUNNING).
- Network tags (`tags.items`) and service accounts (`serviceAccounts[].email`) choose the firewall rules
  and tag-scoped routes of the VM, and make the VM a member of the source tag / service account groups.

Example (forseti INSTANCES_AGGREGATED_LIST, iap-ig-79bj):
    {"name": "iap-ig-79bj", "status": "RUNNING", "tags": {"items": ["iap-tag"]}, "networkInterfaces": [{
     "network": ".../networks/default1", "subnetwork": ".../subnetworks/default1", "networkIP": "10.128.0.2",
     "accessConfigs": [{"natIP": "104.198.131.130"}]}]}
    → Interface("<instance key>#nic0", private_ips=(10.128.0.2,), public_ips=((10.128.0.2, 104.198.131.130),),
                instance=NativeRef(gcp, instance, <key>, "iap-ig-79bj"), stage=<tiers for tags {iap-tag}>)
"""

from __future__ import annotations

from flightpath.model import IPAddress, Interface
from flightpath.model.addresses import parse_address, parse_network

from flightpath.collectors.gcp.firewall import sa_ref, tag_ref
from flightpath.collectors.gcp.index import Context
from flightpath.collectors.gcp.links import as_list, key, zone_of
from flightpath.collectors.gcp.routes import Routes
from flightpath.collectors.gcp.stages import Stages

MAX_ALIAS = 4096


def build_interfaces(ctx: Context, stages: Stages, routes: Routes, subnet_tables: dict[str, str]) -> None:
    est = ctx.est
    for inst in ctx.idx.all("instance"):
        b, where = inst.body, inst.where
        tags = frozenset(str(t) for t in as_list((b.get("tags") or {}).get("items"), f"{where}.tags.items"))
        sas = frozenset(str(s.get("email")) for s in as_list(b.get("serviceAccounts"), f"{where}.serviceAccounts")
                        if isinstance(s, dict) and s.get("email"))
        status = str(b.get("status", "RUNNING"))
        iref = inst.ref("instance")
        est.instances[inst.key] = iref
        for n, nic in enumerate(as_list(b.get("networkInterfaces"), f"{where}.networkInterfaces")):
            nw = f"{where}.networkInterfaces[{n}]"
            net, subnet = key(nic.get("network")), key(nic.get("subnetwork"))
            region = inst.region
            primary = parse_address(nic.get("networkIP"), f"{nw}.networkIP")
            ips: list[IPAddress] = [primary]
            for a, alias in enumerate(as_list(nic.get("aliasIpRanges"), f"{nw}.aliasIpRanges")):
                rng = parse_network(alias.get("ipCidrRange"), f"{nw}.aliasIpRanges[{a}].ipCidrRange")
                room = MAX_ALIAS - len(ips)
                if rng.num_addresses > room:
                    est.warnings.append(f"{nw}: alias range {rng} has {rng.num_addresses} addresses; only {max(room, 0)} "
                                        "are indexed as this NIC's")
                for i, ip in enumerate(rng):
                    if i >= room:
                        break
                    ips.append(ip)
            if nic.get("ipv6Address"):
                ips.append(parse_address(nic["ipv6Address"], f"{nw}.ipv6Address"))
            public = tuple((primary, parse_address(ac["natIP"], f"{nw}.accessConfigs[{c}].natIP"))
                           for c, ac in enumerate(as_list(nic.get("accessConfigs"), f"{nw}.accessConfigs"))
                           if isinstance(ac, dict) and ac.get("natIP"))
            iid = f"{inst.key}#nic{n}"
            sub = ctx.idx.get("subnetwork", subnet)
            table = routes.table_id(net, region, tags, pga=bool(sub and sub.get("privateIpGoogleAccess")))
            # a failed firewalls.list leaves the NIC's filter unknown (unless getEffectiveFirewalls answered)
            lost = "" if net in stages.effective else ctx.why_missing("firewalls", inst.project)
            est.interfaces[iid] = Interface(
                inst.ref("network-interface", f"#nic{n}", f"{inst.name}#{nic.get('name') or f'nic{n}'}"), net, subnet,
                tuple(ips), public, None if lost else stages.stage(net, region, tags, sas), stage_missing=lost,
                forwards=bool(b.get("canIpForward")), no_forward_setting="IP forwarding (canIpForward) is off",
                instance=iref, note="" if status == "RUNNING" else f"instance {inst.name} is {status}, not RUNNING "
                f"(INSTANCE_NOT_RUNNING)", route_table_id="" if table == subnet_tables.get(subnet) else table)
            ctx.nic_of.setdefault((inst.key, net), iid)
            for t in tags:
                est.group_members.setdefault(tag_ref(net, t), set()).add(iid)
            for s in sas:
                est.group_members.setdefault(sa_ref(net, s), set()).add(iid)
        if not zone_of(inst.key):
            est.warnings.append(f"{where}: no zone in its self link")
