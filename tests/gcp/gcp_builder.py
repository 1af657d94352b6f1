"""Write small GCP estates as folders of Compute Engine v1 REST JSON, for scenario tests.

Every file is what the REST API returns for a project-wide list, written where the collector puts it:
`gcp/<project>/<method>.json`: `{"kind": "compute#firewallList", "items": [...]}` for global lists and
aggregated lists (`{"kind": "compute#instanceAggregatedList", "items": {"zones/z": {"instances": [...]}}}`) for
zonal and regional resources (compare fixtures/reference/gcp/*.json, forseti's recorded responses). Each
resource carries `kind`, `name` and a v1 `selfLink`; the rest as the REST reference documents it.

    lab = GcpLab()
    lab.network("vpc")
    lab.subnet("app", "vpc", "10.0.1.0/24")
    lab.vm("web", "app", "10.0.1.2", tags=["web"], nat_ip="34.1.1.1")
    lab.firewall("allow-web", "vpc", allowed=[tcp(80)], source_ranges=["0.0.0.0/0"], target_tags=["web"])
    root = lab.write(tmp_path)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

API = "https://www.googleapis.com/compute/v1"
REGION = "us-central1"
ZONE = "us-central1-a"


def tcp(*ports: int | str) -> dict[str, Any]:
    return {"IPProtocol": "tcp", "ports": [str(p) for p in ports]} if ports else {"IPProtocol": "tcp"}


def proto(name: str) -> dict[str, Any]:
    return {"IPProtocol": name}


class GcpLab:
    def __init__(self, project: str = "proj-a") -> None:
        self.project = project
        self.res: dict[str, list[dict[str, Any]]] = {}
        self.status: dict[str, dict[str, Any]] = {}
        self.effective: dict[str, dict[str, Any]] = {}

    def link(self, path: str) -> str:
        return f"{API}/projects/{self.project}/{path}"

    def net(self, name: str) -> str:
        return self.link(f"global/networks/{name}")

    def _add(self, method: str, kind: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {"kind": f"compute#{kind}", "selfLink": self.link(path), **body}
        self.res.setdefault(method, []).append(body)
        return body

    # --- resources ------------------------------------------------------------------------------------
    def network(self, name: str, **extra: Any) -> dict[str, Any]:
        return self._add("networks", "network", f"global/networks/{name}",
                         {"name": name, "autoCreateSubnetworks": False, **extra})

    def peer(self, a: str, b: str, *, export: bool = False, import_: bool = False, state: str = "ACTIVE") -> None:
        """Peering a → b as network a shows it (call twice for both sides)."""
        body = next(n for n in self.res["networks"] if n["name"] == a)
        body.setdefault("peerings", []).append({
            "name": f"{a}-to-{b}", "network": self.net(b), "state": state, "exchangeSubnetRoutes": True,
            "exportCustomRoutes": export, "importCustomRoutes": import_})

    def subnet(self, name: str, network: str, cidr: str, region: str = REGION, secondary: dict[str, str] | None = None,
               pga: bool = False):
        return self._add("subnetworks", "subnetwork", f"regions/{region}/subnetworks/{name}", {
            "name": name, "network": self.net(network), "ipCidrRange": cidr, "region": self.link(f"regions/{region}"),
            "privateIpGoogleAccess": pga,
            "secondaryIpRanges": [{"rangeName": k, "ipCidrRange": v} for k, v in (secondary or {}).items()]})

    def vm(self, name: str, subnet: str, ip: str, *, tags: list[str] = (), sas: list[str] = (), nat_ip: str = "",
           forward: bool = False, status: str = "RUNNING", aliases: list[str] = (), zone: str = ZONE) -> dict[str, Any]:
        sn = next(s for s in self.res["subnetworks"] if s["name"] == subnet)
        nic: dict[str, Any] = {"kind": "compute#networkInterface", "name": "nic0", "network": sn["network"],
                               "subnetwork": sn["selfLink"], "networkIP": ip,
                               "aliasIpRanges": [{"ipCidrRange": a} for a in aliases]}
        if nat_ip:
            nic["accessConfigs"] = [{"kind": "compute#accessConfig", "type": "ONE_TO_ONE_NAT", "name": "External NAT",
                                     "natIP": nat_ip}]
        return self._add("instances", "instance", f"zones/{zone}/instances/{name}", {
            "name": name, "zone": self.link(f"zones/{zone}"), "status": status, "canIpForward": forward,
            "tags": {"items": list(tags)}, "networkInterfaces": [nic],
            "serviceAccounts": [{"email": s, "scopes": []} for s in sas]})

    def firewall(self, name: str, network: str, *, direction: str = "INGRESS", priority: int = 1000,
                 allowed: list | None = None, denied: list | None = None, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "network": self.net(network), "direction": direction, "priority": priority}
        body["denied" if denied else "allowed"] = denied or allowed or [proto("all")]
        camel = {"source_ranges": "sourceRanges", "source_tags": "sourceTags", "target_tags": "targetTags",
                 "source_sas": "sourceServiceAccounts", "target_sas": "targetServiceAccounts",
                 "destination_ranges": "destinationRanges", "disabled": "disabled"}
        body.update({camel[k]: v for k, v in fields.items()})
        return self._add("firewalls", "firewall", f"global/firewalls/{name}", body)

    def route(self, name: str, network: str, dest: str, priority: int = 1000, tags: list[str] = (), **hop: str):
        """hop: nextHopGateway="default-internet-gateway", nextHopInstance="vm", nextHopIp=..., nextHopVpnTunnel=..."""
        hops = {}
        for k, v in hop.items():
            if k == "nextHopGateway":
                v = self.link(f"global/gateways/{v}")
            elif k == "nextHopInstance":
                v = self.link(f"zones/{ZONE}/instances/{v}")
            elif k == "nextHopVpnTunnel":
                v = self.link(f"regions/{REGION}/vpnTunnels/{v}")
            hops[k] = v
        return self._add("routes", "route", f"global/routes/{name}", {
            "name": name, "network": self.net(network), "destRange": dest, "priority": priority,
            "tags": list(tags), **hops})

    def default_route(self, network: str) -> None:
        self.route(f"default-route-{network}", network, "0.0.0.0/0", nextHopGateway="default-internet-gateway")

    def router(self, name: str, network: str, nats: list[dict[str, Any]] = (), region: str = REGION, **extra: Any):
        return self._add("routers", "router", f"regions/{region}/routers/{name}", {
            "name": name, "network": self.net(network), "region": self.link(f"regions/{region}"),
            "nats": list(nats), **extra})

    def router_status(self, name: str, network: str, best_routes: list[dict[str, Any]] = (),
                      nat_status: list[dict[str, Any]] = ()) -> None:
        self.status[name] = {"kind": "compute#routerStatusResponse", "result": {
            "network": self.net(network), "bestRoutes": list(best_routes), "natStatus": list(nat_status)}}

    def address(self, name: str, ip: str, region: str = REGION) -> str:
        return self._add("addresses", "address", f"regions/{region}/addresses/{name}",
                         {"name": name, "address": ip, "region": self.link(f"regions/{region}")})["selfLink"]

    def ha_vpn(self, name: str, network: str, ips: list[str], region: str = REGION) -> None:
        self._add("vpnGateways", "vpnGateway", f"regions/{region}/vpnGateways/{name}", {
            "name": name, "network": self.net(network), "region": self.link(f"regions/{region}"),
            "vpnInterfaces": [{"id": i, "ipAddress": ip} for i, ip in enumerate(ips)]})

    def tunnel(self, name: str, gateway: str, interface: int, peer_ip: str, status: str = "ESTABLISHED",
               region: str = REGION) -> None:
        self._add("vpnTunnels", "vpnTunnel", f"regions/{region}/vpnTunnels/{name}", {
            "name": name, "vpnGateway": self.link(f"regions/{region}/vpnGateways/{gateway}"),
            "vpnGatewayInterface": interface, "peerIp": peer_ip, "status": status,
            "region": self.link(f"regions/{region}")})

    def policy(self, name: str, rules: list[dict[str, Any]], *, networks: list[str] = (), org: str = "",
               region: str = "") -> dict[str, Any]:
        """A global (networks=...), regional (region=...) network firewall policy, or hierarchical (org=...)."""
        assoc = [{"name": f"{name}-{n}", "attachmentTarget": self.net(n)} for n in networks]
        body = {"name": name, "displayName": name, "rules": rules}
        if org:
            body = {**body, "kind": "compute#firewallPolicy", "name": "1234" + str(len(self.res.get("org", []))),
                    "shortName": name, "selfLink": f"{API}/locations/global/firewallPolicies/{name}",
                    "associations": [{"name": "org", "attachmentTarget": f"organizations/{org}"}]}
            self.res.setdefault("org", []).append(body)
            return body
        path = f"regions/{region}/firewallPolicies/{name}" if region else f"global/firewallPolicies/{name}"
        method = "regionNetworkFirewallPolicies" if region else "networkFirewallPolicies"
        return self._add(method, "firewallPolicy", path, {**body, "associations": assoc,
                                                          **({"region": self.link(f"regions/{region}")} if region else {})})

    # --- output ---------------------------------------------------------------------------------------
    def write(self, root: Path) -> Path:
        base = root / "gcp" / self.project
        base.mkdir(parents=True, exist_ok=True)
        aggregated = {"subnetworks": "regions", "instances": "zones", "routers": "regions", "addresses": "regions",
                      "vpnGateways": "regions", "vpnTunnels": "regions", "targetVpnGateways": "regions",
                      "forwardingRules": "regions"}
        kinds = {"networks": "network", "firewalls": "firewall", "routes": "route", "subnetworks": "subnetwork",
                 "instances": "instance", "routers": "router", "addresses": "address", "vpnGateways": "vpnGateway",
                 "vpnTunnels": "vpnTunnel", "networkFirewallPolicies": "firewallPolicy",
                 "targetVpnGateways": "targetVpnGateway", "forwardingRules": "forwardingRule",
                 "regionNetworkFirewallPolicies": "firewallPolicy"}
        for method in ("networks", "firewalls", "routes", "subnetworks", "instances", "routers"):
            self.res.setdefault(method, [])
        for method, items in self.res.items():
            if method == "org":
                (root / "gcp" / "organizations-1").mkdir(parents=True, exist_ok=True)
                _dump(root / "gcp" / "organizations-1" / "firewallPolicies.json",
                      {"kind": "compute#firewallPolicyList", "items": items})
                continue
            kind = kinds[method]
            if method in aggregated:
                scoped: dict[str, Any] = {}
                for it in items:
                    scope = "/".join((it.get("zone") or it.get("region")).split("/")[-2:])
                    scoped.setdefault(scope, {}).setdefault(method, []).append(it)
                _dump(base / f"{method}.json", {"kind": f"compute#{kind}AggregatedList", "items": scoped})
            else:
                _dump(base / f"{method}.json", {"kind": f"compute#{kind}List", "items": items})
        for name, body in self.status.items():
            _dump(base / "getRouterStatus" / f"{name}.json", body)
        for name, body in self.effective.items():
            _dump(base / "getEffectiveFirewalls" / f"{name}.json", body)
        return root


def _dump(path: Path, body: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
