"""A seeded synthetic GCP estate in the real snapshot format, and its load / trace figures.

    python bench/gcp_estate.py --size S|M|L [--seed 1] [--repeat 3]     # or: python bench/run.py --cloud gcp --size S

Writes bench/out/gcp-<size>/snapshot/gcp/<project>/<method>.json (compact REST bodies: networks.list,
subnetworks / instances / routers / addresses aggregatedList, firewalls.list, routes.list,
networkFirewallPolicies.aggregatedList), then measures a cold load (no cache; median of --repeat, each in a
fresh interpreter) and trace latency (median and p99 over seeded pairs whose verdicts the layout fixes).

Per network (VPC i owns 10.0.0.0 + i*1024 /22, like bench/estate.py): subnets web, app (secondary range
pods), db; 2 web VMs (tag web, external IP), 4 app VMs (tag app, service account app@, alias /28 of pods),
2 db VMs (tag db, service account db@); VPC rules allow-web-https, allow-app-from-web (source tag web),
allow-db-from-app (source SA → target SA), deny-db-ssh (900), allow-iap-ssh, plus 20-40 legacy padding rules
from on-premises ranges; a default route, 3-8 padding routes and one tag route; Cloud NAT with a manual
address; one network in ten peers with the next; per project one global network firewall policy of 10 rules.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SIZES = {"XS": (1, 8), "S": (4, 100), "M": (8, 1000), "L": (25, 10000)}  # projects, networks
API = "https://www.googleapis.com/compute/v1"
REGIONS = ("us-central1", "europe-west1", "asia-east1")


def ip(x: int) -> str:
    return f"{x >> 24 & 255}.{x >> 16 & 255}.{x >> 8 & 255}.{x & 255}"


def generate(size: str, out: Path, seed: int = 1) -> tuple[Path, list[dict]]:
    projects, nets = SIZES[size]
    rnd = random.Random(seed)
    root = out / "snapshot"
    per = -(-nets // projects)
    pairs: list[dict] = []
    for p in range(projects):
        proj = f"bench-{p:03d}"
        L = lambda path: f"{API}/projects/{proj}/{path}"  # noqa: E731
        res: dict[str, list] = {k: [] for k in ("networks", "firewalls", "routes")}
        agg: dict[str, dict] = {k: {} for k in ("subnetworks", "instances", "routers", "addresses")}
        policy_assoc = []
        for i in range(p * per, min(nets, (p + 1) * per)):
            region = REGIONS[i % len(REGIONS)]
            zone = f"{region}-a"
            base = (10 << 24) + i * 1024
            name = f"vpc-{i}"
            net = L(f"global/networks/{name}")
            body = {"kind": "compute#network", "name": name, "selfLink": net, "autoCreateSubnetworks": False}
            if i % 10 == 0 and i + 1 < min(nets, (p + 1) * per):
                body["peerings"] = [{"name": f"{name}-peer", "network": L(f"global/networks/vpc-{i + 1}"), "state": "ACTIVE"}]
            if i % 10 == 1:
                body["peerings"] = [{"name": f"{name}-peer", "network": L(f"global/networks/vpc-{i - 1}"), "state": "ACTIVE"}]
            res["networks"].append(body)
            policy_assoc.append({"name": f"a-{name}", "attachmentTarget": net})
            subs = {}
            for s, (sname, off, plen) in enumerate((("web", 0, 24), ("app", 256, 24), ("db", 512, 24))):
                sub = {"kind": "compute#subnetwork", "name": f"{name}-{sname}", "network": net,
                       "ipCidrRange": f"{ip(base + off)}/{plen}", "region": L(f"regions/{region}"),
                       "selfLink": L(f"regions/{region}/subnetworks/{name}-{sname}")}
                if sname == "app":
                    sub["secondaryIpRanges"] = [{"rangeName": "pods", "ipCidrRange": f"{ip(base + 768)}/24"}]
                subs[sname] = sub
                agg["subnetworks"].setdefault(f"regions/{region}", {"subnetworks": []})["subnetworks"].append(sub)
            vms = agg["instances"].setdefault(f"zones/{zone}", {"instances": []})["instances"]
            for tier, n, off, tags, sa in (("web", 2, 0, ["web"], ""), ("app", 4, 256, ["app"], "app"), ("db", 2, 512, ["db"], "db")):
                for k in range(n):
                    nic = {"name": "nic0", "network": net, "subnetwork": subs[tier]["selfLink"],
                           "networkIP": ip(base + off + 10 + k)}
                    if tier == "web":
                        nic["accessConfigs"] = [{"type": "ONE_TO_ONE_NAT", "natIP": ip((34 << 24) + i * 4 + k)}]
                    if tier == "app":
                        nic["aliasIpRanges"] = [{"ipCidrRange": f"{ip(base + 768 + k * 16)}/28", "subnetworkRangeName": "pods"}]
                    vms.append({"kind": "compute#instance", "name": f"{name}-{tier}-{k}", "status": "RUNNING",
                                "zone": L(f"zones/{zone}"), "tags": {"items": tags}, "networkInterfaces": [nic],
                                "serviceAccounts": [{"email": f"{sa}@{proj}.iam.gserviceaccount.com"}] if sa else [],
                                "selfLink": L(f"zones/{zone}/instances/{name}-{tier}-{k}")})
            sa = lambda t: f"{t}@{proj}.iam.gserviceaccount.com"  # noqa: E731

            def fw(fname: str, **kw) -> None:
                res["firewalls"].append({"kind": "compute#firewall", "name": f"{name}-{fname}", "network": net,
                                         "direction": "INGRESS", "priority": 1000,
                                         "selfLink": L(f"global/firewalls/{name}-{fname}"), **kw})
            fw("allow-web-https", sourceRanges=["0.0.0.0/0"], targetTags=["web"], allowed=[{"IPProtocol": "tcp", "ports": ["443"]}])
            fw("allow-app-from-web", sourceTags=["web"], targetTags=["app"], allowed=[{"IPProtocol": "tcp", "ports": ["8080"]}])
            fw("allow-db-from-app", sourceServiceAccounts=[sa("app")], targetServiceAccounts=[sa("db")],
               allowed=[{"IPProtocol": "tcp", "ports": ["5432"]}])
            fw("deny-db-ssh", priority=900, sourceRanges=["10.0.0.0/8"], targetTags=["db"], denied=[{"IPProtocol": "tcp", "ports": ["22"]}])
            fw("allow-iap-ssh", sourceRanges=["35.235.240.0/20", "10.0.0.0/8"], allowed=[{"IPProtocol": "tcp", "ports": ["22"]}])
            for k in range(rnd.randint(20, 40)):
                fw(f"legacy-{k}", priority=rnd.randint(1000, 5000), sourceRanges=[f"172.{16 + k % 16}.{rnd.randint(0, 255)}.0/24"],
                   targetTags=[rnd.choice(["web", "app", "db", "legacy"])],
                   allowed=[{"IPProtocol": "tcp", "ports": [str(rnd.randint(1024, 60000))]}])
            route = lambda rname, dest, **hop: res["routes"].append({  # noqa: E731
                "kind": "compute#route", "name": f"{name}-{rname}", "network": net, "destRange": dest,
                "priority": hop.pop("priority", 1000), "selfLink": L(f"global/routes/{name}-{rname}"), **hop})
            route("default", "0.0.0.0/0", nextHopGateway=L("global/gateways/default-internet-gateway"))
            for k in range(rnd.randint(3, 8)):
                route(f"onprem-{k}", f"192.168.{k}.0/24", nextHopIp=ip(base + 256 + 10))
            route("tagged", "192.168.200.0/24", tags=["app"], nextHopGateway=L("global/gateways/default-internet-gateway"))
            addr = L(f"regions/{region}/addresses/{name}-nat")
            agg["addresses"].setdefault(f"regions/{region}", {"addresses": []})["addresses"].append(
                {"kind": "compute#address", "name": f"{name}-nat", "address": ip((35 << 24) + i), "selfLink": addr})
            agg["routers"].setdefault(f"regions/{region}", {"routers": []})["routers"].append({
                "kind": "compute#router", "name": f"{name}-nat", "network": net, "region": L(f"regions/{region}"),
                "selfLink": L(f"regions/{region}/routers/{name}-nat"),
                "nats": [{"name": f"{name}-nat", "natIpAllocateOption": "MANUAL_ONLY", "natIps": [addr],
                          "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES"}]})
            web, app, db = (ip(base + o + 10) for o in (0, 256, 512))
            pairs += [dict(src=app, dst=db, port=5432, expect="delivered"), dict(src=web, dst=db, port=5432, expect="blocked"),
                      dict(src=app, dst=db, port=22, expect="blocked"), dict(src=web, dst=app, port=8080, expect="delivered"),
                      dict(src=app, dst="8.8.8.8", port=443, expect="exited"),
                      dict(src=app, dst=ip(base + 768 + 5), port=9000, expect="blocked")]
        rules = [{"priority": 100 + k, "action": "goto_next" if k % 2 else "allow", "direction": "INGRESS",
                  "match": {"srcIpRanges": [f"100.{64 + k}.0.0/16"], "layer4Configs": [{"ipProtocol": "tcp", "ports": [str(7000 + k)]}]}}
                 for k in range(10)]
        pol = {"kind": "compute#firewallPolicy", "name": "bench-policy", "rules": rules, "associations": policy_assoc,
               "selfLink": L("global/firewallPolicies/bench-policy")}
        d = root / "gcp" / proj
        d.mkdir(parents=True, exist_ok=True)
        for k, items in res.items():
            (d / f"{k}.json").write_text(json.dumps({"kind": f"compute#{k[:-1]}List", "items": items}))
        for k, items in agg.items():
            kind = {"addresses": "address"}.get(k, k[:-1])
            (d / f"{k}.json").write_text(json.dumps({"kind": f"compute#{kind}AggregatedList", "items": items}))
        (d / "networkFirewallPolicies.json").write_text(json.dumps(
            {"kind": "compute#networkFirewallPolicyAggregatedList", "items": {"global": {"firewallPolicies": [pol]}}}))
    rnd.shuffle(pairs)
    (out / "pairs.json").write_text(json.dumps({"pairs": pairs[:2000]}))
    return root, pairs[:2000]


def _load_once(snapshot: Path) -> float:
    code = ("import time; from flightpath.topology import load_snapshot; t=time.perf_counter(); "
            f"load_snapshot({str(snapshot)!r}, use_cache=False); print(time.perf_counter()-t)")
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def measure(size: str, seed: int = 1, repeat: int = 3) -> dict[str, float]:
    from flightpath.evaluate import Query, run_query
    from flightpath.topology import load_snapshot

    out = BENCH / "out" / f"gcp-{size}"
    t0 = time.perf_counter()
    snapshot, pairs = generate(size, out, seed)
    gen_s = time.perf_counter() - t0
    loads = [_load_once(snapshot) for _ in range(repeat)]
    topo = load_snapshot(snapshot, use_cache=False)
    times, match = [], 0
    for p in pairs:
        t = time.perf_counter()
        verdict = run_query(topo, Query(p["src"], p["dst"], "tcp", p["port"])).trace.verdict.value
        times.append((time.perf_counter() - t) * 1000)
        match += verdict == p["expect"]
    times.sort()
    e = topo.estate
    return {"generate_s": round(gen_s, 2), "load_s_median": round(statistics.median(loads), 3),
            "trace_ms_median": round(statistics.median(times), 3), "trace_ms_p99": round(times[int(len(times) * .99) - 1], 3),
            "pairs": len(pairs), "expected_match": round(match / len(pairs), 4), "networks": len(e.networks),
            "interfaces": len(e.interfaces), "rules": sum(len(r.rules) for r in e.rule_sets.values()),
            "rule_sets": len(e.rule_sets), "route_tables": len(e.route_tables)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="GCP estate benchmark (bench/gcp_estate.py)")
    ap.add_argument("--size", choices=tuple(SIZES), default="S")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(json.dumps({args.size: measure(args.size, args.seed, args.repeat)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
