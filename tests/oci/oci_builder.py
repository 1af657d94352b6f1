"""Write small OCI estates as folders of OCI wire JSON (camelCase, as the REST API returns it), for tests.

Files land where the collector puts them: `oci/<tenancy>/<region>/<Operation>.json` for list calls, and
`<Operation>/<parent OCID>.json` for the per-resource calls (NSG rules, DRG route rules, distribution
statements, IPSec tunnels). Field names are the `attribute_map` names of the oci SDK's models (oci.core.models:
Vcn, Subnet, SecurityList, NetworkSecurityGroup/SecurityRule, RouteTable/RouteRule, InternetGateway,
NatGateway, ServiceGateway, LocalPeeringGateway, Drg, DrgAttachment, DrgRouteTable, DrgRouteRule, IPSecConnection,
IPSecConnectionTunnel, Cpe, Vnic, VnicAttachment, Instance).

    b = OciScenario(tmp_path)
    b.vcn("lab", "10.0.0.0/16")
    b.security_list("web-sl", "lab", ingress=[ingress("0.0.0.0/0", 6, 80)], egress=[egress("0.0.0.0/0")])
    b.route_table("web-rt", "lab", [("0.0.0.0/0", b.id("internetgateway", "igw"))])
    b.igw("igw", "lab")
    b.subnet("web", "lab", "10.0.1.0/24", "web-rt", ["web-sl"])
    b.instance("web1", "web", "10.0.1.10", public_ip="129.146.0.10")
    root = b.write()

Resources are referred to by name; `b.id(kind, name)` is the OCID (`ocid1.<kind>.oc1.iad.<name>`).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

TENANCY = "acme"
_RULE_IDS = itertools.count(0x04ABEC)
REGION = "us-ashburn-1"


def _ports(lo: int | None, hi: int | None = None) -> dict[str, int] | None:
    return None if lo is None else {"min": lo, "max": hi if hi is not None else lo}


def _options(proto: int | str, port: int | None, port_hi: int | None, src_port: tuple[int, int] | None,
             icmp: tuple[int, int | None] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    key = {6: "tcpOptions", 17: "udpOptions"}.get(proto if isinstance(proto, int) else -1)
    if key and (port is not None or src_port):
        opts: dict[str, Any] = {}
        if port is not None:
            opts["destinationPortRange"] = _ports(port, port_hi)
        if src_port:
            opts["sourcePortRange"] = _ports(*src_port)
        out[key] = opts
    if icmp is not None:
        out["icmpOptions"] = {"type": icmp[0]} | ({"code": icmp[1]} if icmp[1] is not None else {})
    return out


def ingress(source: str, proto: int | str = "all", port: int | None = None, port_hi: int | None = None, *,
            stateless: bool = False, source_type: str = "CIDR_BLOCK", src_port: tuple[int, int] | None = None,
            icmp: tuple[int, int | None] | None = None) -> dict[str, Any]:
    """A security-list IngressSecurityRule."""
    return {"source": source, "sourceType": source_type, "protocol": str(proto), "isStateless": stateless,
            **_options(proto, port, port_hi, src_port, icmp)}


def egress(destination: str, proto: int | str = "all", port: int | None = None, port_hi: int | None = None, *,
           stateless: bool = False, destination_type: str = "CIDR_BLOCK", src_port: tuple[int, int] | None = None,
           icmp: tuple[int, int | None] | None = None) -> dict[str, Any]:
    """A security-list EgressSecurityRule."""
    return {"destination": destination, "destinationType": destination_type, "protocol": str(proto),
            "isStateless": stateless, **_options(proto, port, port_hi, src_port, icmp)}


def nsg_rule(direction: str, peer: str, proto: int | str = "all", port: int | None = None, *, rid: str = "",
             peer_type: str = "CIDR_BLOCK", stateless: bool = False, port_hi: int | None = None) -> dict[str, Any]:
    """An NSG SecurityRule (INGRESS: `peer` is the source; EGRESS: the destination)."""
    side = "source" if direction == "INGRESS" else "destination"
    return {"direction": direction, side: peer, f"{side}Type": peer_type, "protocol": str(proto),
            "isStateless": stateless, "isValid": True, "id": rid or f"{next(_RULE_IDS):06X}",
            **_options(proto, port, port_hi, None, None)}


class OciScenario:
    def __init__(self, root: str | Path, tenancy: str = TENANCY, region: str = REGION) -> None:
        self.root = Path(root)
        self.tenancy, self.region = tenancy, region
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self.per: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.vnics: list[dict[str, Any]] = []

    def id(self, kind: str, name: str) -> str:
        return name if name.startswith("ocid1.") else f"ocid1.{kind}.oc1.iad.{name}"

    def _add(self, op: str, kind: str, name: str, **fields: Any) -> dict[str, Any]:
        item = {"id": self.id(kind, name), "displayName": name, "compartmentId": "ocid1.compartment.oc1..lab",
                "lifecycleState": "AVAILABLE", **fields}
        self.lists.setdefault(op, []).append(item)
        return item

    # --- VCN ---------------------------------------------------------------------------------------
    def vcn(self, name: str, *cidrs: str) -> None:
        self._add("ListVcns", "vcn", name, cidrBlock=cidrs[0], cidrBlocks=list(cidrs),
                  defaultRouteTableId=self.id("routetable", f"{name}-default-rt"))

    def subnet(self, name: str, vcn: str, cidr: str, route_table: str, security_lists: list[str] = (),
               ad: str | None = None) -> None:
        self._add("ListSubnets", "subnet", name, vcnId=self.id("vcn", vcn), cidrBlock=cidr, availabilityDomain=ad,
                  routeTableId=self.id("routetable", route_table), prohibitPublicIpOnVnic=False,
                  securityListIds=[self.id("securitylist", s) for s in security_lists])

    def security_list(self, name: str, vcn: str, ingress: list = (), egress: list = ()) -> None:
        self._add("ListSecurityLists", "securitylist", name, vcnId=self.id("vcn", vcn),
                  ingressSecurityRules=list(ingress), egressSecurityRules=list(egress))

    def nsg(self, name: str, vcn: str, rules: list[dict[str, Any]]) -> None:
        self._add("ListNetworkSecurityGroups", "networksecuritygroup", name, vcnId=self.id("vcn", vcn))
        for r in rules:
            if r.get("sourceType") == "NETWORK_SECURITY_GROUP":
                r["source"] = self.id("networksecuritygroup", r["source"])
            if r.get("destinationType") == "NETWORK_SECURITY_GROUP":
                r["destination"] = self.id("networksecuritygroup", r["destination"])
        self.per[("ListNetworkSecurityGroupSecurityRules", self.id("networksecuritygroup", name))] = list(rules)

    def route_table(self, name: str, vcn: str, rules: list[tuple[str, str]]) -> None:
        """rules: (destination, target OCID) pairs; a destination that is not a CIDR is a service label."""
        out = [{"destination": d, "destinationType": "CIDR_BLOCK" if "/" in d else "SERVICE_CIDR_BLOCK",
                "networkEntityId": t, "routeType": "STATIC"} for d, t in rules]
        self._add("ListRouteTables", "routetable", name, vcnId=self.id("vcn", vcn), routeRules=out)

    # --- gateways -------------------------------------------------------------------------------------
    def igw(self, name: str, vcn: str, enabled: bool = True) -> None:
        self._add("ListInternetGateways", "internetgateway", name, vcnId=self.id("vcn", vcn), isEnabled=enabled)

    def nat(self, name: str, vcn: str, nat_ip: str, block: bool = False) -> None:
        self._add("ListNatGateways", "natgateway", name, vcnId=self.id("vcn", vcn), natIp=nat_ip, blockTraffic=block)

    def sgw(self, name: str, vcn: str, service: str = "All IAD Services In Oracle Services Network") -> None:
        self._add("ListServiceGateways", "servicegateway", name, vcnId=self.id("vcn", vcn), blockTraffic=False,
                  routeTableId=None, services=[{"serviceId": self.id("service", "all-iad"), "serviceName": service}])

    def lpg(self, name: str, vcn: str, peer: str, status: str = "PEERED", route_table: str = "") -> None:
        self._add("ListLocalPeeringGateways", "localpeeringgateway", name, vcnId=self.id("vcn", vcn),
                  peerId=self.id("localpeeringgateway", peer), peeringStatus=status,
                  routeTableId=self.id("routetable", route_table) if route_table else None)

    # --- DRG ------------------------------------------------------------------------------------------
    def drg(self, name: str, default_vcn_table: str = "", default_ipsec_table: str = "") -> None:
        self._add("ListDrgs", "drg", name, defaultDrgRouteTables={
            "vcn": self.id("drgroutetable", default_vcn_table) if default_vcn_table else None,
            "ipsecTunnel": self.id("drgroutetable", default_ipsec_table) if default_ipsec_table else None})

    def drg_vcn_attachment(self, name: str, drg: str, vcn: str, drg_table: str = "", vcn_route_table: str = "") -> None:
        rt = self.id("routetable", vcn_route_table) if vcn_route_table else None
        self._add("ListDrgAttachments", "drgattachment", name, drgId=self.id("drg", drg), lifecycleState="ATTACHED",
                  drgRouteTableId=self.id("drgroutetable", drg_table) if drg_table else None, routeTableId=rt,
                  networkDetails={"type": "VCN", "id": self.id("vcn", vcn), "routeTableId": rt,
                                  "vcnRouteType": "SUBNET_CIDRS"})

    def drg_ipsec_attachment(self, name: str, drg: str, ipsec: str, tunnel: str, drg_table: str = "") -> None:
        self._add("ListDrgAttachments", "drgattachment", name, drgId=self.id("drg", drg), lifecycleState="ATTACHED",
                  drgRouteTableId=self.id("drgroutetable", drg_table) if drg_table else None,
                  networkDetails={"type": "IPSEC_TUNNEL", "id": self.id("ipsectunnel", tunnel),
                                  "ipsecConnectionId": self.id("ipsecconnection", ipsec)})

    def rpc(self, name: str, drg: str, peer: str, peer_region: str, status: str = "PEERED") -> None:
        self._add("ListRemotePeeringConnections", "remotepeeringconnection", name, drgId=self.id("drg", drg),
                  peerId=self.id("remotepeeringconnection", peer), peerRegionName=peer_region, peeringStatus=status,
                  isCrossTenancyPeering=False)

    def drg_rpc_attachment(self, name: str, drg: str, rpc: str, drg_table: str = "") -> None:
        self._add("ListDrgAttachments", "drgattachment", name, drgId=self.id("drg", drg), lifecycleState="ATTACHED",
                  drgRouteTableId=self.id("drgroutetable", drg_table) if drg_table else None,
                  networkDetails={"type": "REMOTE_PEERING_CONNECTION", "id": self.id("remotepeeringconnection", rpc)})

    def virtual_circuit(self, name: str, drg: str, state: str = "PROVISIONED", bgp: str = "UP") -> None:
        self._add("ListVirtualCircuits", "virtualcircuit", name, gatewayId=self.id("drg", drg), lifecycleState=state,
                  bgpSessionState=bgp, type="PRIVATE", bandwidthShapeName="1 Gbps")

    def drg_vc_attachment(self, name: str, drg: str, vc: str, drg_table: str = "") -> None:
        self._add("ListDrgAttachments", "drgattachment", name, drgId=self.id("drg", drg), lifecycleState="ATTACHED",
                  drgRouteTableId=self.id("drgroutetable", drg_table) if drg_table else None,
                  networkDetails={"type": "VIRTUAL_CIRCUIT", "id": self.id("virtualcircuit", vc)})

    def drg_route_table(self, name: str, drg: str, rules: list[dict[str, Any]] | None = None,
                        import_distribution: str = "") -> None:
        self._add("ListDrgRouteTables", "drgroutetable", name, drgId=self.id("drg", drg), isEcmpEnabled=False,
                  importDrgRouteDistributionId=self.id("drgroutedistribution", import_distribution)
                  if import_distribution else None)
        if rules is not None:
            self.per[("ListDrgRouteRules", self.id("drgroutetable", name))] = rules

    def drg_rule(self, destination: str, attachment: str, route_type: str = "STATIC", provenance: str = "STATIC",
                 blackhole: bool = False, conflict: bool = False) -> dict[str, Any]:
        return {"id": f"rule-{destination}-{attachment}", "destination": destination, "destinationType": "CIDR_BLOCK",
                "nextHopDrgAttachmentId": "BLACKHOLE" if blackhole else self.id("drgattachment", attachment),
                "routeType": route_type, "routeProvenance": provenance, "isBlackhole": blackhole,
                "isConflict": conflict, "attributes": {}}

    def distribution(self, name: str, drg: str, statements: list[dict[str, Any]]) -> None:
        self._add("ListDrgRouteDistributions", "drgroutedistribution", name, drgId=self.id("drg", drg),
                  distributionType="IMPORT")
        self.per[("ListDrgRouteDistributionStatements", self.id("drgroutedistribution", name))] = statements

    def cpe(self, name: str, ip: str) -> None:
        self._add("ListCpes", "cpe", name, ipAddress=ip)

    def ipsec(self, name: str, drg: str, cpe: str, tunnels: list[tuple[str, str, str]], static_routes: list[str]) -> None:
        """tunnels: (tunnel name, vpnIp, status)."""
        self._add("ListIPSecConnections", "ipsecconnection", name, drgId=self.id("drg", drg),
                  cpeId=self.id("cpe", cpe), staticRoutes=static_routes)
        self.per[("ListIPSecConnectionTunnels", self.id("ipsecconnection", name))] = [
            {"id": self.id("ipsectunnel", t), "displayName": t, "vpnIp": ip, "status": st, "routing": "STATIC",
             "ikeVersion": "V2", "lifecycleState": "AVAILABLE", "compartmentId": "ocid1.compartment.oc1..lab"}
            for t, ip, st in tunnels]

    # --- instances ------------------------------------------------------------------------------------
    def instance(self, name: str, subnet: str, ip: str, *, public_ip: str | None = None, nsgs: list[str] = (),
                 skip_check: bool = False, state: str = "RUNNING", secondary: list[str] = (),
                 route_table: str = "") -> None:
        self._add("ListInstances", "instance", name, lifecycleState=state, availabilityDomain="Uocm:US-ASHBURN-AD-1",
                  shape="VM.Standard.E4.Flex", region="iad")
        vnic = self.id("vnic", f"{name}-vnic")
        self._add("ListVnicAttachments", "vnicattachment", f"{name}-att", instanceId=self.id("instance", name),
                  vnicId=vnic, subnetId=self.id("subnet", subnet), lifecycleState="ATTACHED", nicIndex=0)
        self.vnics.append({"id": vnic, "displayName": f"{name}-vnic", "subnetId": self.id("subnet", subnet),
                           "privateIp": ip, "publicIp": public_ip, "isPrimary": True, "lifecycleState": "AVAILABLE",
                           "skipSourceDestCheck": skip_check, "hostnameLabel": name,
                           "routeTableId": self.id("routetable", route_table) if route_table else None,
                           "nsgIds": [self.id("networksecuritygroup", n) for n in nsgs]})
        for i, extra in enumerate(secondary):
            self._add("ListPrivateIps", "privateip", f"{name}-ip{i + 2}", ipAddress=extra, vnicId=vnic,
                      subnetId=self.id("subnet", subnet), isPrimary=False)

    def private_ip(self, name: str, instance: str, ip: str) -> str:
        """The primary private IP object of an instance's VNIC (a route rule target)."""
        self._add("ListPrivateIps", "privateip", name, ipAddress=ip, vnicId=self.id("vnic", f"{instance}-vnic"),
                  isPrimary=True)
        return self.id("privateip", name)

    def write(self) -> Path:
        base = self.root / "oci" / self.tenancy / self.region
        base.mkdir(parents=True, exist_ok=True)
        for op, items in self.lists.items():
            (base / f"{op}.json").write_text(json.dumps(items, indent=2, sort_keys=True))
        for (op, parent), items in self.per.items():
            (base / op).mkdir(exist_ok=True)
            (base / op / f"{parent}.json").write_text(json.dumps(items, indent=2, sort_keys=True))
        if self.vnics:
            (base / "GetVnic").mkdir(exist_ok=True)
            for v in self.vnics:
                (base / "GetVnic" / f"{v['id']}.json").write_text(json.dumps(v, indent=2, sort_keys=True))
        return self.root
