"""A seeded synthetic OCI estate in the real snapshot format, and its load and trace figures (issue 9).

    python bench/oci_estate.py --size S|M|L [--seed 1] [--regen] [--json]     # or: bench/run.py --cloud oci
    → bench/out/oci-<size>/{snapshot/, pairs.json, stats.json}, then the medians of cold loads, cached loads and
      traces (in one process: loads are not isolated from each other as bench/run.py's phases are)

Layout as `flightpath collect oci` writes it: `snapshot/oci/<tenancy>/<region>/<Operation>.json` (camelCase wire
JSON), `ListNetworkSecurityGroupSecurityRules/<nsg>.json`, `ListDrgRouteRules/<table>.json`, `GetVnic/<vnic>.json`.
Per region one DRG hub; every VCN is attached with one DRG route table holding a dynamic rule per VCN CIDR. Per
VCN (10.0.0.0 + i*1024, /22): subnets web and app, security lists web-sl (stateful 80/443 in, all out) and app-sl
(8080 from the VCN, a stateless 22 from 10/8, and 20-40 padding rules from on-premises ranges), NSGs web-nsg and
app-nsg (5432 from web-nsg by reference), route tables (0/0 → IGW or NAT, 10/8 → DRG), an IGW, a NAT gateway,
two web instances with public IPs and two app instances. Every id is a function of (seed, kind, index).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
SIZES = {"XS": (1, 6), "S": (2, 50), "M": (3, 400), "L": (4, 2500)}  # regions, VCNs per region
REGIONS = ("us-ashburn-1", "us-phoenix-1", "eu-frankfurt-1", "uk-london-1")
TENANCY = "ocid1.tenancy.oc1..aaaaaaaabench"
CMP = "ocid1.compartment.oc1..aaaaaaaabench"
MAX_PER = max(per for _r, per in SIZES.values())
UNALLOCATED = "10.200.0.1"  # nothing routes it: the DRG table has no rule


def _ip(x: int) -> str:
    return ".".join(str((x >> s) & 255) for s in (24, 16, 8, 0))


def _id(kind: str, seed: int, r: int, i: int, tag: str = "") -> str:
    return f"ocid1.{kind}.oc1.bench.s{seed}r{r}v{i}{tag}"


def _rule(direction: str, peer: str, proto: str, lo: int | None = None, *, stateless: bool = False,
          peer_type: str = "CIDR_BLOCK") -> dict[str, Any]:
    side = "source" if direction == "in" else "destination"
    r: dict[str, Any] = {side: peer, f"{side}Type": peer_type, "protocol": proto, "isStateless": stateless}
    if lo is not None:
        r["tcpOptions"] = {"destinationPortRange": {"min": lo, "max": lo}}
    return r


def _vcn(seed: int, r: int, i: int, rng: random.Random, drg: str, files: dict[str, list], singles: dict[str, Any],
         pairs: list[dict[str, Any]]) -> None:
    g = r * MAX_PER + i  # VCN g owns 10.0.0.0 + g*1024 /22: no overlaps, all inside 10/8
    base = (10 << 24) + g * 1024
    cidr = f"{_ip(base)}/22"
    vcn = _id("vcn", seed, r, i)
    ids = {k: _id(k, seed, r, i) for k in ("internetgateway", "natgateway", "drgattachment")}
    sl_web, sl_app = _id("securitylist", seed, r, i, "web"), _id("securitylist", seed, r, i, "app")
    nsg_web, nsg_app = _id("networksecuritygroup", seed, r, i, "web"), _id("networksecuritygroup", seed, r, i, "app")
    rt_web, rt_app = _id("routetable", seed, r, i, "web"), _id("routetable", seed, r, i, "app")
    common = {"compartmentId": CMP, "lifecycleState": "AVAILABLE", "vcnId": vcn}
    files["ListVcns"].append({"id": vcn, "displayName": f"vcn-{r}-{i}", "cidrBlock": cidr, "cidrBlocks": [cidr],
                              "compartmentId": CMP, "lifecycleState": "AVAILABLE", "defaultRouteTableId": rt_app})
    pad = [_rule("in", f"172.{16 + rng.randrange(16)}.{rng.randrange(256)}.0/24", "6", rng.choice((21, 389, 1433, 3306)))
           for _ in range(rng.randrange(20, 41))]
    files["ListSecurityLists"] += [
        {"id": sl_web, "displayName": f"web-sl-{i}", **common, "egressSecurityRules": [_rule("out", "0.0.0.0/0", "all")],
         "ingressSecurityRules": [_rule("in", "0.0.0.0/0", "6", 80), _rule("in", "0.0.0.0/0", "6", 443)]},
        {"id": sl_app, "displayName": f"app-sl-{i}", **common, "egressSecurityRules": [_rule("out", "0.0.0.0/0", "all")],
         "ingressSecurityRules": [_rule("in", cidr, "6", 8080), _rule("in", "10.0.0.0/8", "6", 22, stateless=True)] + pad}]
    files["ListNetworkSecurityGroups"] += [{"id": nsg_web, "displayName": f"web-nsg-{i}", **common},
                                           {"id": nsg_app, "displayName": f"app-nsg-{i}", **common}]
    singles[f"ListNetworkSecurityGroupSecurityRules/{nsg_web}.json"] = [
        {"id": "AAAA01", "direction": "EGRESS", **_rule("out", "0.0.0.0/0", "all")}]
    singles[f"ListNetworkSecurityGroupSecurityRules/{nsg_app}.json"] = [
        {"id": "AAAA02", "direction": "INGRESS", **_rule("in", nsg_web, "6", 5432, peer_type="NETWORK_SECURITY_GROUP")}]
    files["ListRouteTables"] += [
        {"id": rt_web, "displayName": f"web-rt-{i}", **common, "routeRules": [
            {"destination": "0.0.0.0/0", "destinationType": "CIDR_BLOCK", "networkEntityId": ids["internetgateway"]},
            {"destination": "10.0.0.0/8", "destinationType": "CIDR_BLOCK", "networkEntityId": drg}]},
        {"id": rt_app, "displayName": f"app-rt-{i}", **common, "routeRules": [
            {"destination": "0.0.0.0/0", "destinationType": "CIDR_BLOCK", "networkEntityId": ids["natgateway"]},
            {"destination": "10.0.0.0/8", "destinationType": "CIDR_BLOCK", "networkEntityId": drg}]}]
    files["ListInternetGateways"].append({"id": ids["internetgateway"], **common, "isEnabled": True})
    files["ListNatGateways"].append({"id": ids["natgateway"], **common, "natIp": _ip((140 << 24) + g), "blockTraffic": False})
    files["ListDrgAttachments"].append({"id": ids["drgattachment"], "drgId": drg, "compartmentId": CMP,
                                        "lifecycleState": "ATTACHED", "drgRouteTableId": _id("drgroutetable", seed, r, 0),
                                        "networkDetails": {"type": "VCN", "id": vcn}})
    for name, off, rt, sls in (("web", 0, rt_web, [sl_web]), ("app", 256, rt_app, [sl_app])):
        files["ListSubnets"].append({"id": _id("subnet", seed, r, i, name), "displayName": f"{name}-{i}", **common,
                                     "cidrBlock": f"{_ip(base + off)}/24", "routeTableId": rt, "securityListIds": sls})
    hosts = []
    for k, (name, off, nsg, public) in enumerate((("web", 0, nsg_web, True), ("web", 0, nsg_web, True),
                                                  ("app", 256, nsg_app, False), ("app", 256, nsg_app, False))):
        vnic, inst = _id("vnic", seed, r, i, f"n{k}"), _id("instance", seed, r, i, f"n{k}")
        ip = _ip(base + off + 10 + k)
        hosts.append(ip)
        singles[f"GetVnic/{vnic}.json"] = {"id": vnic, "subnetId": _id("subnet", seed, r, i, name), "privateIp": ip,
                                           "publicIp": _ip((150 << 24) + g * 4 + k) if public else None,
                                           "nsgIds": [nsg], "skipSourceDestCheck": False, "lifecycleState": "AVAILABLE"}
        files["ListInstances"].append({"id": inst, "displayName": f"{name}-{r}-{i}-{k}", "compartmentId": CMP,
                                       "lifecycleState": "RUNNING"})
        files["ListVnicAttachments"].append({"id": _id("vnicattachment", seed, r, i, f"n{k}"), "instanceId": inst,
                                             "vnicId": vnic, "lifecycleState": "ATTACHED", "compartmentId": CMP})
    pairs += [{"case": "same VCN web -> app 8080", "src": hosts[0], "dst": hosts[2], "port": 8080, "expect": "delivered"},
              {"case": "web -> app 5432 (NSG reference)", "src": hosts[1], "dst": hosts[3], "port": 5432, "expect": "delivered"},
              {"case": "web -> internet 443", "src": hosts[0], "dst": "8.8.8.8", "port": 443, "expect": "exited"},
              {"case": "app -> unallocated 10.200/16", "src": hosts[2], "dst": UNALLOCATED, "port": 443, "expect": "no_route"}]
    if i > 0:  # across the DRG to the previous VCN's app host: 22 (stateless, from 10/8) passes, 8080 (own VCN) not
        prev = _ip((10 << 24) + (g - 1) * 1024 + 256 + 12)
        pairs += [{"case": "app -> other VCN's app 22 via DRG", "src": hosts[2], "dst": prev, "port": 22, "expect": "delivered"},
                  {"case": "app -> other VCN's app 8080", "src": hosts[2], "dst": prev, "port": 8080, "expect": "blocked"}]


def generate(size: str, out: Path, seed: int = 1) -> Path:
    regions, per = SIZES[size]
    rng = random.Random(seed)
    shutil.rmtree(out, ignore_errors=True)
    pairs: list[dict[str, Any]] = []
    counts = {"vcns": 0, "vnics": 0, "files": 0}
    for r in range(regions):
        files: dict[str, list] = {k: [] for k in ("ListVcns", "ListSubnets", "ListSecurityLists", "ListNetworkSecurityGroups",
                                                  "ListRouteTables", "ListInternetGateways", "ListNatGateways", "ListDrgs",
                                                  "ListDrgAttachments", "ListDrgRouteTables", "ListInstances",
                                                  "ListVnicAttachments")}
        singles: dict[str, Any] = {}
        drg, table = _id("drg", seed, r, 0), _id("drgroutetable", seed, r, 0)
        files["ListDrgs"].append({"id": drg, "displayName": f"hub-{r}", "compartmentId": CMP, "lifecycleState": "AVAILABLE"})
        files["ListDrgRouteTables"].append({"id": table, "drgId": drg, "displayName": f"hub-{r}-vcns",
                                            "compartmentId": CMP, "lifecycleState": "AVAILABLE"})
        for i in range(per):
            _vcn(seed, r, i, rng, drg, files, singles, pairs)
        singles[f"ListDrgRouteRules/{table}.json"] = [
            {"id": str(i), "destination": v["cidrBlock"], "destinationType": "CIDR_BLOCK", "routeType": "DYNAMIC",
             "routeProvenance": "VCN", "nextHopDrgAttachmentId": a["id"], "isConflict": False, "isBlackhole": False}
            for i, (v, a) in enumerate(zip(files["ListVcns"], files["ListDrgAttachments"]))]
        base = out / "snapshot" / "oci" / TENANCY / REGIONS[r]
        for name, body in list((f"{k}.json", v) for k, v in files.items()) + list(singles.items()):
            path = base / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(body, separators=(",", ":")))
            counts["files"] += 1
        counts["vcns"] += per
        counts["vnics"] += 4 * per
    sample = random.Random(seed + 1).sample(pairs, min(len(pairs), 2000))
    (out / "pairs.json").write_text(json.dumps({"pairs": sample}))
    (out / "stats.json").write_text(json.dumps({"size": size, "seed": seed, "counts": counts}))
    return out


def measure(size: str, seed: int = 1, regen: bool = False, loads: int = 3) -> dict[str, Any]:
    from flightpath import load_snapshot
    from flightpath.evaluate.tracing import trace
    from flightpath.model.flow import Flow

    out = BENCH / "out" / f"oci-{size}"
    stats = out / "stats.json"
    if regen or not stats.exists() or json.loads(stats.read_text()).get("seed") != seed:
        t0 = time.perf_counter()
        generate(size, out, seed)
        print(f"[oci {size}] generated in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    load_s = []
    for _ in range(loads):
        t0 = time.perf_counter()
        topo = load_snapshot(out / "snapshot", use_cache=False)
        load_s.append(time.perf_counter() - t0)
    cache = out / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["FLIGHTPATH_CACHE_DIR"] = str(cache)
    load_snapshot(out / "snapshot")  # builds the compiled cache
    cached = []
    for _ in range(loads):
        t0 = time.perf_counter()
        load_snapshot(out / "snapshot")
        cached.append(time.perf_counter() - t0)
    pairs = json.loads((out / "pairs.json").read_text())["pairs"]
    lat, match = [], 0
    for p in pairs:
        t0 = time.perf_counter()
        v = trace(topo, Flow.parse("tcp", p["src"], p["dst"], dst_port=p["port"])).verdict
        lat.append((time.perf_counter() - t0) * 1000)
        match += v.value == p["expect"]
    lat.sort()
    return {"size": size, "counts": json.loads(stats.read_text())["counts"], "load_median_s": statistics.median(load_s),
            "cache_load_median_s": statistics.median(cached),
            "trace_median_ms": statistics.median(lat), "trace_p99_ms": lat[max(0, int(len(lat) * 0.99) - 1)],
            "traces": len(lat), "expected_match": match / len(lat)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="synthetic OCI estate: load and trace medians")
    ap.add_argument("--size", choices=tuple(SIZES), default="S")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--regen", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    res = measure(args.size, args.seed, args.regen)
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        c = res["counts"]
        print(f"oci {res['size']}: {c['vcns']} VCNs, {c['vnics']} VNICs, {c['files']} files | load median "
              f"{res['load_median_s']:.2f}s (3 cold loads), {res['cache_load_median_s']:.2f}s with the cache | trace median {res['trace_median_ms']:.3f} ms, p99 "
              f"{res['trace_p99_ms']:.3f} ms over {res['traces']} traces | verdicts as expected: "
              f"{res['expected_match']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
