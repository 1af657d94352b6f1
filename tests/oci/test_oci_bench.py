"""bench/oci_estate.py: the synthetic OCI estate is reproducible, loads cleanly and traces as its pairs expect."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from flightpath import load_snapshot
from flightpath.evaluate.tracing import trace
from flightpath.model.flow import Flow

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import oci_estate  # noqa: E402  (bench/ is a folder of scripts)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def test_the_oci_estate_is_reproducible_and_traces_as_expected(tmp_path):
    a = oci_estate.generate("XS", tmp_path / "a", seed=3)
    b = oci_estate.generate("XS", tmp_path / "b", seed=3)
    assert _tree(a) == _tree(b)
    topo = load_snapshot(a / "snapshot", use_cache=False)
    assert not topo.estate.warnings and len(topo.estate.networks) == 6
    pairs = json.loads((a / "pairs.json").read_text())["pairs"]
    assert {p["expect"] for p in pairs} == {"delivered", "exited", "no_route", "blocked"}
    for p in pairs:
        got = trace(topo, Flow.parse("tcp", p["src"], p["dst"], dst_port=p["port"])).verdict.value
        assert got == p["expect"], p
