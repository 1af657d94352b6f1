"""bench/gcp_estate.py writes a snapshot the real loader reads, reproducibly, with the verdicts it was built for."""

from __future__ import annotations

import sys

from gcp_helpers import REPO

from flightpath.evaluate import Query, run_query
from flightpath.topology import load_snapshot

sys.path.insert(0, str(REPO / "bench"))

import gcp_estate  # noqa: E402  (bench/ is a folder of scripts)


def test_generated_estate_loads_and_gives_the_planned_verdicts(tmp_path):
    root, pairs = gcp_estate.generate("XS", tmp_path / "a", seed=3)
    again, _ = gcp_estate.generate("XS", tmp_path / "b", seed=3)
    files = sorted(p.relative_to(root) for p in root.rglob("*.json"))
    assert files and all((root / f).read_bytes() == (again / f).read_bytes() for f in files)
    topo = load_snapshot(root, use_cache=False)
    assert len(topo.estate.networks) == 8 and not [w for w in topo.info.warnings if "not a recognised" in w]
    for p in pairs:
        got = run_query(topo, Query(p["src"], p["dst"], "tcp", p["port"])).trace.verdict.value
        assert got == p["expect"], p
