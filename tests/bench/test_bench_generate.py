"""The benchmark generator (bench/generate.py) is reproducible and writes what the real loader reads."""

from __future__ import annotations

import ipaddress
import json
import sys
from pathlib import Path

import pytest

from flightpath.snapshot import read_snapshot

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402  (bench/ is a folder of scripts)

KINDS = {
    "Vpcs", "Subnets", "Reservations", "NetworkInterfaces", "SecurityGroups", "NetworkAcls", "RouteTables",
    "InternetGateways", "NatGateways", "VpcPeeringConnections", "TransitGateways", "TransitGatewayAttachments",
    "TransitGatewayVpcAttachments", "TransitGatewayRouteTables", "ManagedPrefixLists",
    "SearchTransitGatewayRoutes", "GetManagedPrefixListEntries",
}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.json"))}


@pytest.fixture(scope="module")
def xs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate.generate("XS", tmp_path_factory.mktemp("a") / "XS", seed=7, jobs=1, pairs=200)


def test_deterministic_for_a_seed(xs: Path, tmp_path: Path) -> None:
    again = generate.generate("XS", tmp_path / "again", seed=7, jobs=2, pairs=200)
    assert _tree(xs / "snapshot") == _tree(again / "snapshot")
    assert (xs / "pairs.json").read_bytes() == (again / "pairs.json").read_bytes()
    other = generate.generate("XS", tmp_path / "other", seed=8, jobs=1, pairs=200)
    assert _tree(xs / "snapshot") != _tree(other / "snapshot")


def test_parallel_hubs_match_serial(tmp_path: Path) -> None:
    scale = (3, 2, 12)  # six hubs: written by a worker pool when jobs > 1
    serial = generate.generate("XS", tmp_path / "serial", seed=3, jobs=1, scale=scale, pairs=50)
    pooled = generate.generate("XS", tmp_path / "pooled", seed=3, jobs=2, scale=scale, pairs=50)
    assert _tree(serial / "snapshot") == _tree(pooled / "snapshot")


def test_every_file_is_recognised(xs: Path) -> None:
    contents = read_snapshot(xs / "snapshot")
    assert not contents.warnings
    assert contents.manifest is not None and not contents.missing
    docs = contents.documents["aws"]
    assert KINDS <= {d.kind for d in docs}
    assert all(d.scope.get("account") and d.scope.get("region") for d in docs)
    per_resource = [d for d in docs if d.kind in ("SearchTransitGatewayRoutes", "GetManagedPrefixListEntries")]
    assert per_resource and all(d.resource_id for d in per_resource)


def test_addresses_do_not_overlap_and_pairs_are_real(xs: Path) -> None:
    docs = read_snapshot(xs / "snapshot").documents["aws"]
    vpcs = [ipaddress.ip_network(v["CidrBlock"]) for d in docs if d.kind == "Vpcs" for v in d.body["Vpcs"]]
    assert len(vpcs) == 8
    assert not any(a.overlaps(b) for i, a in enumerate(vpcs) for b in vpcs[i + 1:])
    held = {a["PrivateIpAddress"] for d in docs if d.kind == "NetworkInterfaces"
            for e in d.body["NetworkInterfaces"] for a in e["PrivateIpAddresses"]}
    pairs = json.loads((xs / "pairs.json").read_text())["pairs"]
    assert len(pairs) == 200
    assert all(p["src"] in held for p in pairs)
    assert {p["expect"] for p in pairs} == {"delivered", "blocked", "no_route", "exited"}
    stats = json.loads((xs / "stats.json").read_text())
    assert stats["counts"]["Vpcs"] == 8 and stats["files"] == len(list((xs / "snapshot").rglob("*.json")))
