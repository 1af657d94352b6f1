"""Benchmark of the questions beyond one trace: `exposure` from the internet, `reach` on designed pairs and
(with --check N) `check` of N intents with 1 and 2 worker processes, and (with --diff) `diff --scope all`
after removing one security group rule.

    python bench/questions_bench.py --size S|M|L [--repeat 3] [--seed 1] [--regen] [--check 10000]

Uses the seeded synthetic estate of bench/generate.py (bench/out/<size>, generated once, like run.py),
loads it through the compiled cache, then times `exposure(topo)` (every public address; equivalence classes
with a sample check per class) and `reach` over 20 designed pairs. Prints medians; the target at L
(issue 11): exposure under 60 s on one core, peak memory within the load's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from run import ensure_snapshot  # noqa: E402  (bench/ is a folder of scripts)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="S")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--regen", action="store_true")
    ap.add_argument("--diff", action="store_true", help="also time `diff --scope all` after a one-rule change")
    ap.add_argument("--check", type=int, default=0, metavar="N", help="also time `check` of N intents, 1 and 2 workers")
    args = ap.parse_args(argv)
    out = ensure_snapshot(args.size, args.seed, args.regen)
    os.environ.setdefault("FLIGHTPATH_CACHE_DIR", str(out / "cache"))
    from flightpath.questions.exposure import exposure
    from flightpath.questions.reach import reach
    from flightpath.topology import load_snapshot

    t0 = time.perf_counter()
    topo = load_snapshot(out / "snapshot")
    load_s, load_rss = time.perf_counter() - t0, rss_mb()
    times, result = [], None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = exposure(topo)
        times.append(time.perf_counter() - t0)
    pairs = [(p["src"], p["dst"]) for p in json.loads((out / "pairs.json").read_text())["pairs"]]
    pairs = list(dict.fromkeys(pairs))[:20]
    reach_times = []
    for src, dst in pairs:
        t0 = time.perf_counter()
        reach(topo, src, dst)
        reach_times.append(time.perf_counter() - t0)
    figures_check = {}
    if args.check:
        from flightpath.questions.batch import check_chunk, run
        from flightpath.questions.intents import Intent

        designed = json.loads((out / "pairs.json").read_text())["pairs"]
        intents = [Intent(f"i{n}", p["src"], p["dst"], p.get("protocol") or "tcp",
                          (p["port"], p["port"]) if p.get("port") is not None else None,
                          "reachable" if p["expect"] in ("delivered", "exited") else "unreachable")
                   for n, p in enumerate(designed * (args.check // max(1, len(designed)) + 1))][:args.check]
        for workers in (1, 2):
            t0 = time.perf_counter()
            results = run(check_chunk, str(out / "snapshot"), intents, workers=workers)
            figures_check[f"check_{len(intents)}_intents_workers_{workers}_s"] = round(time.perf_counter() - t0, 2)
        figures_check["check_failed"] = sum(r.status != "pass" for r in results)
    figures_diff = {}
    if args.diff:
        import shutil

        from flightpath.questions.diff import diff

        changed = out.parent / f"{args.size}-changed"
        if not (changed / "snapshot").is_dir():
            shutil.copytree(out / "snapshot", changed / "snapshot")
            for f in sorted((changed / "snapshot").rglob("DescribeSecurityGroups.json")):
                body = json.loads(f.read_text())
                sg = next((g for g in body["SecurityGroups"] if g.get("IpPermissions")), None)
                if sg is not None:  # one rule less: the first inbound permission of the first group with one
                    sg["IpPermissions"] = sg["IpPermissions"][1:]
                    f.write_text(json.dumps(body, indent=4))
                    break
        t0 = time.perf_counter()
        after = load_snapshot(changed / "snapshot")
        figures_diff["diff_after_load_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        d = diff(topo, after, scope="all")
        figures_diff |= {"diff_one_rule_s": round(time.perf_counter() - t0, 2), "diff_pairs": d.pairs_compared,
                         "diff_changed_flows": len(d.changed), "diff_raw_changes": len(d.raw)}
    figures = {**figures_check, **figures_diff,
        "size": args.size, "interfaces": len(topo.estate.interfaces), "load_s": round(load_s, 2),
        "exposure_s_median": round(statistics.median(times), 2), "exposure_runs": len(times),
        "candidates": result.candidates, "classes": result.classes, "reach_runs": result.reach_runs,
        "exposed": len(result.exposed), "split_classes": result.split_classes,
        "reach_ms_median": round(1000 * statistics.median(reach_times), 1), "reach_pairs": len(reach_times),
        "rss_after_load_mb": round(load_rss), "peak_rss_mb": round(rss_mb()),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
