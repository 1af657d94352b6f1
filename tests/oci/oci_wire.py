"""An in-process OCI REST API on 127.0.0.1 that serves the lab's wire JSON (fixtures/kickstart/oci) to the real
`oci` SDK, with scripted failures. Nothing leaves 127.0.0.0/8.

Paths are the Core Services API's (`/20160918/vcns?compartmentId=...`, `/20160918/networkSecurityGroups/{id}/
securityRules`, ...; the resource_path of each SDK method). Lists are paged `page_size` items at a time through
`opc-next-page` / `page`. `failures` maps a path to a list of statuses to return before succeeding (429 then
200), or to a status that always fails (401, 404), or to a float: seconds to wait before answering. Every request must carry an OCI HTTP signature.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

ERRORS = {401: "NotAuthenticated", 404: "NotAuthorizedOrNotFound", 429: "TooManyRequests", 500: "InternalServerError"}
LISTS = {"vcns": "ListVcns", "subnets": "ListSubnets", "securityLists": "ListSecurityLists",
         "networkSecurityGroups": "ListNetworkSecurityGroups", "routeTables": "ListRouteTables",
         "internetGateways": "ListInternetGateways", "natGateways": "ListNatGateways",
         "serviceGateways": "ListServiceGateways", "localPeeringGateways": "ListLocalPeeringGateways",
         "drgs": "ListDrgs", "drgAttachments": "ListDrgAttachments", "ipsecConnections": "ListIPSecConnections",
         "cpes": "ListCpes", "remotePeeringConnections": "ListRemotePeeringConnections",
         "virtualCircuits": "ListVirtualCircuits", "publicIps": "ListPublicIps", "instances": "ListInstances",
         "vnicAttachments": "ListVnicAttachments", "drgRouteTables": "ListDrgRouteTables",
         "drgRouteDistributions": "ListDrgRouteDistributions", "privateIps": "ListPrivateIps"}
CHILDREN = {("networkSecurityGroups", "securityRules"): "ListNetworkSecurityGroupSecurityRules",
            ("drgRouteTables", "drgRouteRules"): "ListDrgRouteRules",
            ("drgRouteDistributions", "drgRouteDistributionStatements"): "ListDrgRouteDistributionStatements",
            ("ipsecConnections", "tunnels"): "ListIPSecConnectionTunnels"}
FILTERS = {"drgRouteTables": "drgId", "drgRouteDistributions": "drgId", "privateIps": "vnicId"}
# Oracle's public_ip_ranges.json (an excerpt, see fixtures/README.md), served unsigned like docs.oracle.com serves it
RANGES_PATH = "/tools/public_ip_ranges.json"
RANGES = Path(__file__).parent / "fixtures" / "public_ip_ranges.excerpt.json"


class OciWire:
    def __init__(self, data: Path, page_size: int = 1) -> None:
        self.data = data
        self.page_size = page_size
        self.failures: dict[str, Any] = {}
        self.requests: list[str] = []
        self.unsigned: list[str] = []
        self._lock = threading.Lock()
        wire = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                wire.handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "OciWire":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        h.send_header("opc-request-id", "TEST/REQUEST/ID")
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(raw)

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        url = urlparse(h.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = [p for p in url.path.split("/") if p][1:]  # drop the API version
        with self._lock:
            self.requests.append(url.path)
            if "Signature" not in (h.headers.get("Authorization") or "") and url.path != RANGES_PATH:
                self.unsigned.append(url.path)
            failure = self.failures.get(url.path)
            if isinstance(failure, list) and failure:
                failure = failure.pop(0)
            elif isinstance(failure, list):
                failure = None
        if isinstance(failure, float):  # a slow answer: the client's read timeout fires first
            time.sleep(failure)
            failure = None
        if failure:
            self._send(h, failure, {"code": ERRORS[failure], "message": f"scripted {failure} for {url.path}"},
                       {"retry-after": "0"} if failure == 429 else None)
            return
        body = self._body(parts, query)
        if body is None:
            self._send(h, 404, {"code": "NotAuthorizedOrNotFound", "message": f"no such path {url.path}"})
            return
        if not isinstance(body, list):
            self._send(h, 200, body)
            return
        start = int(query.get("page") or 0)
        page = body[start:start + self.page_size]
        more = start + self.page_size < len(body)
        self._send(h, 200, page, {"opc-next-page": str(start + self.page_size)} if more else None)

    def _read(self, name: str) -> Any:
        path = self.data / name
        return json.loads(path.read_text()) if path.is_file() else None

    @property
    def ranges_url(self) -> str:
        return self.endpoint + RANGES_PATH

    def _body(self, parts: list[str], query: dict[str, str]) -> Any:
        if parts == ["public_ip_ranges.json"]:
            return json.loads(RANGES.read_text())
        if parts == ["compartments"]:  # IdentityClient.list_compartments (--tenancy)
            return [{"id": "ocid1.compartment.oc1..child", "name": "child", "lifecycleState": "ACTIVE",
                     "compartmentId": query.get("compartmentId")},
                    {"id": "ocid1.compartment.oc1..gone", "name": "gone", "lifecycleState": "DELETED",
                     "compartmentId": query.get("compartmentId")}]
        if len(parts) == 3 and parts[0] == "tenancies" and parts[2] == "regionSubscriptions":  # --regions all
            return [{"regionKey": "IAD", "regionName": "us-ashburn-1", "status": "READY", "isHomeRegion": True},
                    {"regionKey": "PHX", "regionName": "us-phoenix-1", "status": "IN_PROGRESS", "isHomeRegion": False}]
        if len(parts) == 1 and parts[0] in LISTS:
            items = self._read(f"{LISTS[parts[0]]}.json") or []
            key = FILTERS.get(parts[0])
            return [i for i in items if not key or i.get(key) == query.get(key)]
        if len(parts) == 2 and parts[0] == "vnics":
            return self._read(f"GetVnic/{parts[1]}.json")
        if len(parts) == 3 and (parts[0], parts[2]) in CHILDREN:
            return self._read(f"{CHILDREN[(parts[0], parts[2])]}/{parts[1]}.json") or []
        return None
