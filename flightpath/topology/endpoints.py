"""Resolve what a user types as SRC or DST (instance id or name, interface id, IP, `internet`).

An IP that several interfaces hold (overlapping VPCs) is fine as a destination, because routing
decides which one the packet reaches; as a source it is ambiguous and the error lists the candidates.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from flightpath.errors import EndpointError
from flightpath.model import Interface, IPAddress, Subnet
from flightpath.topology import Topology

# `internet` stands for a host on the public internet at this documentation address (RFC 5737);
# give a real public IP as SRC/DST to test rules written for specific clients.
INTERNET_HOST = ipaddress.ip_address("198.51.100.1")
INTERNET_HOST_V6 = ipaddress.ip_address("2001:db8::1")


@dataclass
class Endpoint:
    kind: str  # "interface" | "subnet" | "internet" | "address"
    address: IPAddress
    label: str
    interface: Interface | None = None
    subnet: Subnet | None = None
    warnings: list[str] = field(default_factory=list)


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _interfaces_named(topo: Topology, text: str) -> list[Interface]:
    e = topo.estate
    low = text.lower()
    by_id = e.interfaces.get(text) or next((i for k, i in e.interfaces.items() if k.lower() == low), None)
    if by_id is not None:
        return [by_id]
    inst_hits = [i for i in e.interfaces.values() if i.instance and i.instance.id.lower() == low]
    if inst_hits:
        return inst_hits[:1]  # an instance's primary interface (listed first)
    named = [i for i in e.interfaces.values()
             if (i.instance and i.instance.name == text) or (not i.instance and i.ref.name == text)]
    by_owner: dict[str, Interface] = {}
    for i in named:
        by_owner.setdefault(i.instance.id if i.instance else i.ref.id, i)
    return list(by_owner.values())


def _balancer_named(topo: Topology, text: str, version: int | None, from_internet: bool) -> Endpoint | None:
    """A load balancer's DNS name (AWS `DNSName`; `dualstack.` prefix too) as a destination: it resolves to
    its nodes' addresses, public ones from the internet (one per zone: the first node's is traced, the
    others said in a warning)."""
    name = text.lower().rstrip(".").removeprefix("dualstack.")
    lb = next((b for b in topo.estate.load_balancers.values() if name in b.dns_names), None)
    if lb is None:
        return None
    nodes = [topo.estate.interfaces[i] for i in lb.interface_ids if i in topo.estate.interfaces]
    addrs = []
    for iface in nodes:
        try:
            addrs.append((iface, _pick_address(iface, version, prefer_public=from_internet)))
        except EndpointError:
            continue
    if not addrs:
        raise EndpointError(f"destination {text!r} is {lb.ref.display()}, but none of its nodes' addresses is in "
                            "the snapshot (its network interfaces are missing)")
    iface, addr = addrs[0]
    note = [f"{text} resolves to {len(addrs)} node addresses of {lb.ref.display()} "
            f"({', '.join(str(a) for _i, a in addrs)}); the trace goes to {addr}"] if len(addrs) > 1 else []
    return Endpoint("interface", addr, f"{lb.ref.display()} ({addr})", interface=iface, warnings=note)


def _pick_address(iface: Interface, version: int | None, prefer_public: bool) -> IPAddress:
    if prefer_public:
        for priv, pub in iface.public_ips:
            if version in (None, pub.version):
                return pub
    for ip in iface.private_ips:
        if version in (None, ip.version):
            return ip
    raise EndpointError(f"{iface.ref.display()} has no IPv{version} address")


def resolve(topo: Topology, text: str, role: str, *, version: int | None = None,
            from_internet: bool = False) -> Endpoint:
    """Resolve SRC (role "source") or DST (role "destination")."""
    text = text.strip()
    if not text:
        raise EndpointError(f"{role}: empty endpoint")
    if text.lower() == "internet":
        addr = INTERNET_HOST_V6 if version == 6 else INTERNET_HOST
        return Endpoint("internet", addr, f"internet ({addr})")
    ip = _parse_ip(text)
    if ip is None and role == "destination" and "." in text:
        found = _balancer_named(topo, text, version, from_internet)
        if found is not None:
            return found
    if ip is None:
        hits = _interfaces_named(topo, text)
        if not hits:
            raise EndpointError(f"{role} {text!r}: no instance, interface or IP of that name in the snapshot "
                                "(try `flightpath endpoints`)")
        if len(hits) > 1:
            listed = ", ".join(sorted(f"{i.instance.id if i.instance else i.ref.id} ({_pick_address(i, None, False)})"
                                      for i in hits))
            raise EndpointError(f"{role} {text!r} is ambiguous: it matches {listed}; give an id instead")
        iface = hits[0]
        addr = _pick_address(iface, version, prefer_public=from_internet and role == "destination")
        return Endpoint("interface", addr, iface.ref.display(), interface=iface)
    if version is not None and ip.version != version:
        raise EndpointError(f"{role} {ip} is IPv{ip.version} but the other end is IPv{version}")
    holders = [topo.estate.interfaces[i] for i in topo.holders_of(ip)]
    if role == "destination":
        iface = holders[0] if len(holders) == 1 else None
        return Endpoint("address", ip, str(ip), interface=iface)
    if len(holders) > 1:
        listed = ", ".join(f"{i.ref.id} in {i.network_id}" for i in holders)
        raise EndpointError(f"source {ip} is held by several interfaces ({listed}); give the interface id")
    if holders:
        return Endpoint("interface", ip, holders[0].ref.display(), interface=holders[0])
    owner = topo.public_owner(ip)
    if owner is not None:
        iface, private = owner
        return Endpoint("interface", private, f"{iface.ref.display()} (public {ip})", interface=iface)
    subnets = topo.subnets_holding(ip)
    if len(subnets) > 1:
        listed = ", ".join(f"{s.ref.id} in {s.network_id}" for s in subnets)
        raise EndpointError(f"source {ip} lies in several subnets ({listed}); give an interface id")
    if subnets:
        s = subnets[0]
        return Endpoint("subnet", ip, f"{ip} in {s.ref.display()}", subnet=s,
                        warnings=[f"no interface holds {ip}; the trace starts in subnet {s.ref.display()}"])
    if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_unspecified:
        if not any(ip in n for n in (ipaddress.ip_network("198.51.100.0/24"), ipaddress.ip_network("203.0.113.0/24"),
                                     ipaddress.ip_network("192.0.2.0/24"), ipaddress.ip_network("2001:db8::/32"))):
            raise EndpointError(f"source {ip}: no subnet in the snapshot holds it and it is not a public address")
    return Endpoint("internet", ip, f"internet ({ip})")
