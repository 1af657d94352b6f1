"""Seeded generator of synthetic AWS estates in the real snapshot format (issue 5).

    python bench/generate.py --size S|M|L [--seed 1] [--out bench/out/S] [--jobs 2]

Writes `OUT/snapshot/aws/<account>/<region>/<Operation>.json` (the bodies `aws ec2 describe-...
--output json` prints, compact), `OUT/pairs.json` (1,000 seeded trace requests with the verdict the
estate was built to give, see bench/pairs.py) and `OUT/stats.json` (resource counts; written last, so
its presence means the snapshot is complete).

The estate: one transit gateway hub per (account, region); each hub's VPCs (a /22 each, never
overlapping) attach to it and propagate into its single route table. Per VPC: six subnets (web, app-a,
app-b, db, two TGW attachment /28s), ~10 ENIs on instances with 1-2 ENIs, five security groups that
reference each other and two managed prefix lists, a default NACL plus on some VPCs a custom NACL with
deny rules, per-AZ route tables with padding routes. Some VPCs are public (IGW, NAT gateway, public
IPs), some peer with a VPC of another hub, some carry a blackhole route. Every resource id is a pure
function of (seed, kind, index), so hubs are generated independently (in parallel) and reproducibly.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import time
from pathlib import Path

if str(Path(__file__).resolve().parent) not in sys.path:  # bench/ is a folder of scripts, not a package
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from awsdocs import HubWriter  # noqa: E402
from estate import BENCH, SIZES, Plan, make_plan  # noqa: E402
from pairs import make_pairs  # noqa: E402


_PLAN: Plan | None = None  # set before forking the worker pool


def _write_hub(args: tuple[int, str]) -> dict[str, int]:
    h, root = args
    assert _PLAN is not None
    w = HubWriter(_PLAN, _PLAN.hubs[h])
    w.build()
    w.write(Path(root))
    return w.counts


def generate(size: str = "S", out: str | os.PathLike[str] | None = None, seed: int = 1, jobs: int | None = None,
             scale: tuple[int, int, int] | None = None, pairs: int = 1000) -> Path:
    """Write OUT/snapshot, OUT/pairs.json and OUT/stats.json; return OUT (default bench/out/<size>)."""
    global _PLAN

    out = Path(out) if out else BENCH / "out" / size
    started = time.perf_counter()
    plan = _PLAN = make_plan(size, seed, scale)
    tmp = out / ".snapshot.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    (out / "stats.json").unlink(missing_ok=True)
    tmp.mkdir(parents=True)
    tasks = [(h.idx, str(tmp)) for h in plan.hubs]
    jobs = jobs or min(2, os.cpu_count() or 1)
    if jobs > 1 and len(tasks) > 4 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.map(_write_hub, tasks, chunksize=1)
    else:
        results = [_write_hub(t) for t in tasks]
    manifest = {"format": "flightpath-snapshot", "version": 1, "created_at": "2024-03-01T12:00:00+00:00",
                "tool_version": f"bench-generate seed={seed}", "errors": [],
                "scopes": [{"cloud": "aws", "account": h.account, "region": h.region} for h in plan.hubs]}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    shutil.rmtree(out / "snapshot", ignore_errors=True)
    os.replace(tmp, out / "snapshot")
    counts: dict[str, int] = {}
    for r in results:
        for k, n in r.items():
            counts[k] = counts.get(k, 0) + n
    (out / "pairs.json").write_text(json.dumps(make_pairs(plan, pairs), indent=1) + "\n", encoding="utf-8")
    files = [p for p in (out / "snapshot").rglob("*.json")]
    counts["rules_and_routes"] = counts["sg_rules"] + counts["nacl_entries"] + counts["routes"] + counts["tgw_routes"]
    stats = {"size": size, "seed": seed, "accounts_regions_vpcs": list(scale or SIZES[size]), "hubs": len(plan.hubs),
             "counts": dict(sorted(counts.items())), "files": len(files),
             "bytes": sum(p.stat().st_size for p in files), "generate_s": round(time.perf_counter() - started, 2)}
    (out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="S")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="output folder (default bench/out/<size>)")
    ap.add_argument("--jobs", type=int, help="worker processes (default: up to 2)")
    args = ap.parse_args(argv)
    out = generate(args.size, args.out, args.seed, args.jobs)
    print((out / "stats.json").read_text(), end="")


if __name__ == "__main__":
    main()
