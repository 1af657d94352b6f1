"""The flightpath benchmark (issue 5): load time, cache load, memory, trace latency, throughput, start-up.

    python bench/run.py --size S|M|L [--json] [--all] [--seed 1] [--repeat 1] [--regen]

Each phase runs in a fresh interpreter (this script with --phase), so peak RSS and timings of one phase
don't pollute another. The compiled cache goes to OUT/cache (FLIGHTPATH_CACHE_DIR) and is wiped first,
so `load_s` is always a cold JSON load and `cache_load_s` a load with the cache present. bench/README.md
says what each figure means and lists the targets.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DEMO = ROOT / "fixtures" / "kickstart-aws"
DEMO_FLOW = ("10.1.1.10", "10.2.1.20", 5432)  # kickstart-aws flow 1 (delivered)
BUDGET_S = 60.0  # repeats of a slow measurement stop once they have taken this long (median of those run)
KEYS = ("load_s", "cache_load_s", "peak_rss_mb", "trace_p50_ms", "trace_p99_ms", "batch_traces_per_s",
        "cli_trace_wall_s", "help_wall_s")
# key -> (label, target, higher is better); the targets are the issue's, stated for size L
TARGETS: dict[str, tuple[str, float | None, bool]] = {
    "load_s": ("snapshot load, JSON -> model -> indexes (s)", 30.0, False),
    "cache_load_s": ("load with the compiled cache (s)", 3.0, False),
    "peak_rss_mb": ("peak RSS, any phase (MB)", 4096.0, False),
    "trace_p50_ms": ("trace latency p50 (ms)", 1.0, False),
    "trace_p99_ms": ("trace latency p99 (ms)", 10.0, False),
    "batch_traces_per_s": ("batch throughput, one core (traces/s)", 2000.0, True),
    "cli_trace_wall_s": ("`flightpath trace` cold process on this snapshot (s)", None, False),
    "help_wall_s": ("`flightpath --help` cold process (s)", 0.3, False),
    "demo_trace_wall_s": ("`flightpath trace` cold process on the demo (s)", 0.6, False),
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


# ---------------------------------------------------------------- phases (run in a fresh interpreter)
def phase_load(snapshot: str, use_cache: bool) -> dict[str, Any]:
    import inspect

    t0 = time.perf_counter()
    import flightpath

    load = flightpath.load_snapshot
    imported = time.perf_counter() - t0
    kwargs = {"use_cache": use_cache} if "use_cache" in inspect.signature(load).parameters else {}
    cache = Path(os.environ.get("FLIGHTPATH_CACHE_DIR", "/nonexistent"))
    before = set(cache.glob("*")) if cache.is_dir() else set()
    t0 = time.perf_counter()
    load(snapshot, **kwargs)
    seconds = time.perf_counter() - t0
    wrote = bool(set(cache.glob("*")) - before) if cache.is_dir() else False
    return {"s": seconds, "import_s": imported, "rss_mb": rss_mb(), "use_cache_supported": bool(kwargs),
            "wrote_cache": wrote}


def phase_trace(snapshot: str, pairs_file: str, min_batch_s: float) -> dict[str, Any]:
    import flightpath

    pairs = json.loads(Path(pairs_file).read_text())["pairs"]
    t0 = time.perf_counter()
    topo = flightpath.load_snapshot(snapshot)
    load_s = time.perf_counter() - t0
    Flow, trace = flightpath.Flow, flightpath.trace
    requests = [(p["protocol"], p["src"], p["dst"], p["port"]) for p in pairs]
    lat_ns: list[int] = []
    verdicts: list[str] = []
    errors: dict[str, int] = {}
    clock = time.perf_counter_ns
    for proto, src, dst, port in requests:
        t = clock()
        try:
            verdict = trace(topo, Flow.parse(proto, src, dst, dst_port=port)).verdict
        except Exception as exc:  # noqa: BLE001 - a benchmark reports failures, it does not stop at one
            key = f"{type(exc).__name__}: {exc}"[:160]
            errors[key] = errors.get(key, 0) + 1
            verdicts.append("error")
            continue
        lat_ns.append(clock() - t)
        verdicts.append(str(getattr(verdict, "value", verdict)))
    ok = [p for p, _ in zip(requests, verdicts) if _ != "error"] or requests[:1]
    done, t0 = 0, time.perf_counter()
    while True:  # batch: whole passes over the pairs until min_batch_s has elapsed
        for proto, src, dst, port in ok:
            trace(topo, Flow.parse(proto, src, dst, dst_port=port))
        done += len(ok)
        if time.perf_counter() - t0 >= min_batch_s:
            break
    batch_s = time.perf_counter() - t0
    lat = sorted(x / 1e6 for x in lat_ns) or [float("nan")]
    counts: dict[str, int] = {}
    mismatch: dict[str, dict[str, int]] = {}
    for p, got in zip(pairs, verdicts):
        counts[got] = counts.get(got, 0) + 1
        if got != p["expect"]:
            by_case = mismatch.setdefault(f"{p['case']} (expect {p['expect']})", {})
            by_case[got] = by_case.get(got, 0) + 1
    return {"load_s": load_s, "p50_ms": percentile(lat, 0.50), "p99_ms": percentile(lat, 0.99),
            "max_ms": lat[-1], "mean_ms": statistics.fmean(lat), "traces_per_s": done / batch_s,
            "verdicts": dict(sorted(counts.items())), "mismatches": mismatch, "errors": errors,
            "expected_match": sum(p["expect"] == v for p, v in zip(pairs, verdicts)) / len(pairs),
            "rss_mb": rss_mb()}


# ---------------------------------------------------------------- driver
def run_phase(env: dict[str, str], *args: str, timeout: float = 3600) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"phase {args[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def flightpath_cmd() -> list[str]:
    script = Path(sys.executable).with_name("flightpath")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flightpath"]


def wall(cmd: list[str], env: dict[str, str], runs: int = 5) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Median wall time of `runs` cold processes (fewer once they have taken BUDGET_S), and the last result."""
    times: list[float] = []
    while len(times) < runs and (not times or sum(times) < BUDGET_S):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=3600)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), proc


def cli_trace(snapshot: Path, src: str, dst: str, port: int, env: dict[str, str]) -> dict[str, Any]:
    cmd = flightpath_cmd() + ["trace", src, dst, "--snapshot", str(snapshot), "--port", str(port),
                              "--protocol", "tcp", "--format", "json"]
    seconds, proc = wall(cmd, env)
    try:
        verdict = json.loads(proc.stdout).get("verdict")
    except (json.JSONDecodeError, AttributeError):
        verdict = None
    out = {"s": seconds, "exit": proc.returncode, "verdict": verdict}
    if verdict is None:
        out["stderr"] = proc.stderr.strip()[-400:]
    return out


def ensure_snapshot(size: str, seed: int, regen: bool) -> Path:
    out = BENCH / "out" / size
    stats = out / "stats.json"
    if regen or not stats.exists() or json.loads(stats.read_text()).get("seed") != seed:
        log(f"[{size}] generating the snapshot (seed {seed}) ...")
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--size", size, "--seed", str(seed)],
                       check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return out


def measure(size: str, seed: int = 1, repeat: int = 1, regen: bool = False, min_batch_s: float = 2.0) -> dict[str, Any]:
    out = ensure_snapshot(size, seed, regen)
    snapshot, stats = out / "snapshot", json.loads((out / "stats.json").read_text())
    cache = out / "cache"
    env = {**os.environ, "FLIGHTPATH_CACHE_DIR": str(cache), "PYTHONDONTWRITEBYTECODE": "0"}
    log(f"[{size}] {stats['counts']['Vpcs']} VPCs, {stats['counts']['enis']} ENIs, "
        f"{stats['counts']['rules_and_routes']} rules+routes, {stats['bytes'] / 1e6:.0f} MB JSON")
    shutil.rmtree(cache, ignore_errors=True)
    loads = []
    for i in range(repeat):
        log(f"[{size}] cold load {i + 1}/{repeat} (JSON -> model -> indexes) ...")
        loads.append(run_phase(env, "load", str(snapshot), "nocache"))
    if not loads[0]["use_cache_supported"]:
        shutil.rmtree(cache, ignore_errors=True)  # that load may have written a cache: time the build again
    log(f"[{size}] building the cache ...")
    build = run_phase(env, "load", str(snapshot), "cache")
    warm: list[dict[str, Any]] = []
    while len(warm) < max(repeat, 3) and sum(x["s"] for x in warm) < BUDGET_S:
        log(f"[{size}] cache load {len(warm) + 1} ...")
        warm.append(run_phase(env, "load", str(snapshot), "cache"))
    misses = sum(x["wrote_cache"] for x in warm)
    if misses:  # e.g. the cache key covers source mtimes and the code changed between phases
        log(f"[{size}] WARNING: {misses} of {len(warm)} cache loads missed the cache and rebuilt it")
    log(f"[{size}] tracing {len(json.loads((out / 'pairs.json').read_text())['pairs'])} pairs ...")
    tr = run_phase(env, "trace", str(snapshot), str(out / "pairs.json"), str(min_batch_s))
    pairs = json.loads((out / "pairs.json").read_text())["pairs"]
    first = next(p for p in pairs if p["expect"] == "delivered" and p["protocol"] == "tcp")
    log(f"[{size}] CLI: trace {first['src']} -> {first['dst']}:{first['port']}, --help, demo (5 runs each) ...")
    cli = cli_trace(snapshot, first["src"], first["dst"], first["port"], env)
    help_s, help_proc = wall(flightpath_cmd() + ["--help"], env)
    demo = cli_trace(DEMO, *DEMO_FLOW, env) if DEMO.exists() else None
    phases_rss = {"cold_load": max(x["rss_mb"] for x in loads), "cache_build": build["rss_mb"],
                  "cache_load": max(x["rss_mb"] for x in warm), "trace": tr["rss_mb"]}
    phases_rss = {k: round(v, 1) for k, v in phases_rss.items()}
    return {
        "load_s": round(statistics.median(x["s"] for x in loads), 3),
        "cache_load_s": round(statistics.median(x["s"] for x in warm), 3),
        "peak_rss_mb": round(max(phases_rss.values()), 1),
        "trace_p50_ms": round(tr["p50_ms"], 4), "trace_p99_ms": round(tr["p99_ms"], 4),
        "batch_traces_per_s": round(tr["traces_per_s"], 1),
        "cli_trace_wall_s": round(cli["s"], 3), "help_wall_s": round(help_s, 3),
        "details": {
            "snapshot": {"path": str(snapshot.relative_to(ROOT)), "files": stats["files"], "mb": round(stats["bytes"] / 1e6, 1),
                         **{k: stats["counts"][k] for k in ("Vpcs", "Subnets", "enis", "instances", "sg_rules",
                                                            "nacl_entries", "routes", "tgw_routes", "rules_and_routes")}},
            "load_runs_s": [round(x["s"], 3) for x in loads], "cache_load_runs_s": [round(x["s"], 3) for x in warm],
            "cache_build_s": round(build["s"], 3), "cache_load_misses": misses, "import_flightpath_s": round(warm[0]["import_s"], 3),
            "use_cache_supported": loads[0]["use_cache_supported"], "rss_mb_by_phase": phases_rss,
            "trace_mean_ms": round(tr["mean_ms"], 4), "trace_max_ms": round(tr["max_ms"], 3),
            "verdicts": tr["verdicts"], "expected_match": round(tr["expected_match"], 4),
            "mismatches": tr["mismatches"], "errors": tr["errors"],
            "cli_trace": cli, "help_exit": help_proc.returncode, "demo_trace": demo,
            "demo_trace_wall_s": round(demo["s"], 3) if demo else None,
        },
    }


def verdict_of(key: str, value: float | None) -> str:
    _, target, higher = TARGETS[key]
    if target is None or value is None:
        return ""
    met = value >= target if higher else value <= target
    return "ok" if met else "MISS"


def table(results: dict[str, dict[str, Any]]) -> str:
    sizes = list(results)
    rows = [("figure", *sizes, "target", "")]
    for key, (label, target, higher) in TARGETS.items():
        values = [results[s].get(key, results[s]["details"].get(key)) for s in sizes]
        shown = [("-" if v is None else f"{v:,.4g}" if isinstance(v, float) else str(v)) for v in values]
        tgt = "" if target is None else f"{'>=' if higher else '<='} {target:g}"
        rows.append((f"{label}", *shown, tgt, verdict_of(key, values[-1])))
    if "S" in results and "L" in results:
        ratio = results["L"]["trace_p50_ms"] / results["S"]["trace_p50_ms"]
        rows.append(("trace p50 growth L / S", *[""] * (len(sizes) - 1), f"{ratio:.2f}x", "<= 2x",
                     "ok" if ratio <= 2 else "MISS"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for s in sizes:
        d = results[s]["details"]
        lines.append(f"\n[{s}] {d['snapshot']['Vpcs']:,} VPCs, {d['snapshot']['enis']:,} ENIs, "
                     f"{d['snapshot']['rules_and_routes']:,} rules+routes, {d['snapshot']['mb']} MB; "
                     f"verdicts {d['verdicts']}; as designed {d['expected_match']:.1%}; RSS by phase {d['rss_mb_by_phase']}")
        for case, got in sorted(d["mismatches"].items()):
            lines.append(f"    differs: {case}: got {got}")
        for err, n in d["errors"].items():
            lines.append(f"    error x{n}: {err}")
        if d["cache_load_misses"]:
            lines.append(f"    cache_load_s is not valid: {d['cache_load_misses']} cache loads missed and rebuilt the cache")
        if d["cli_trace"]["verdict"] is None:
            lines.append(f"    cli trace failed (exit {d['cli_trace']['exit']}): {d['cli_trace'].get('stderr', '')}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="flightpath benchmark (bench/README.md)")
    ap.add_argument("--size", choices=("XS", "S", "M", "L"), default="S")
    ap.add_argument("--all", action="store_true", help="S, M and L side by side")
    ap.add_argument("--json", action="store_true", help="print one JSON object (keyed by size under --all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="cold JSON loads to take the median of")
    ap.add_argument("--regen", action="store_true", help="regenerate the snapshot even if present")
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--cloud", choices=("aws", "gcp", "oci"), default="aws",
                    help="gcp: bench/gcp_estate.py's estate; oci: bench/oci_estate.py's estate")
    args = ap.parse_args(argv)
    if args.cloud == "gcp":  # the GCP estate measures itself (load and trace medians)
        sys.path.insert(0, str(BENCH))
        import gcp_estate

        return gcp_estate.main(["--size", args.size, "--seed", str(args.seed), "--repeat", str(max(args.repeat, 3))])
    if args.cloud == "oci":  # so does the OCI estate
        sys.path.insert(0, str(BENCH))
        import oci_estate

        return oci_estate.main(["--size", args.size, "--seed", str(args.seed)] + (["--regen"] if args.regen else [])
                               + (["--json"] if args.json else []))
    if args.phase:
        name, *rest = args.phase
        result = phase_load(rest[0], rest[1] == "cache") if name == "load" else phase_trace(rest[0], rest[1], float(rest[2]))
        print(json.dumps(result))
        return 0
    sizes = ["S", "M", "L"] if args.all else [args.size]
    results = {s: measure(s, args.seed, args.repeat, args.regen) for s in sizes}
    if args.json:
        print(json.dumps(results if args.all else results[sizes[0]], indent=1))
    else:
        print(f"$ python bench/run.py {'--all' if args.all else '--size ' + args.size}   "
              f"({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
