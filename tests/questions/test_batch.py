"""Batch execution (flightpath/questions/batch.py): local worker processes and a dask cluster on 127.0.0.1
give exactly the results of the in-process run."""

from __future__ import annotations

from pathlib import Path

import pytest

from flightpath.errors import FlightpathError
from flightpath.questions.batch import check_chunk, run
from flightpath.questions.check import check
from flightpath.questions.intents import Intent, load_intents
from flightpath.topology import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "fixtures" / "kickstart-aws"
EXAMPLE = ROOT / "examples" / "kickstart-aws-intents.yaml"


@pytest.fixture(scope="module")
def many() -> list[Intent]:
    base = load_intents(EXAMPLE)
    extra = [Intent(f"port {p}", "app-a", "db-b", "tcp", (p, p), "unreachable" if p != 5432 else "reachable")
             for p in range(5400, 5460)]
    return base + extra


def _key(outcomes) -> list[tuple]:
    return [(o.intent.name, o.status, o.message) for o in outcomes]


def test_worker_processes_equal_the_local_run(many) -> None:
    local = check(load_snapshot(LAB), many)
    seen = []
    pooled = run(check_chunk, str(LAB), many, workers=2, progress=seen.append)
    assert _key(pooled) == _key(local) and sum(seen) == len(many)
    assert {o.status for o in local} == {"pass"}


def test_dask_cluster_equals_the_local_run(many) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        result = run(check_chunk, str(LAB), many, executor=address)
    assert _key(result) == _key(check(load_snapshot(LAB), many))


def test_bad_executor_is_a_clear_error(many) -> None:
    with pytest.raises(FlightpathError, match="expected dask://HOST:PORT"):
        run(check_chunk, str(LAB), many, executor="spark://x:1")
    with pytest.raises(FlightpathError, match="cannot connect"):
        run(check_chunk, str(LAB), many[:2], executor="dask://127.0.0.1:9", connect_timeout=1)


def _exposure_key(r) -> list[tuple]:
    return [(x.interface.ref.id, str(x.address), x.open, tuple((c, o) for c, o, _s in x.restricted), x.risk)
            for x in r.exposed] + [(r.candidates, r.classes, r.reach_runs, r.split_classes)]


def test_exposure_and_diff_on_workers_and_dask_equal_the_local_run(tmp_path_factory: pytest.TempPathFactory) -> None:
    """On a generated XS estate: exposure's classes and diff --scope all's pairs give the same answers on 2
    worker processes and on a dask LocalCluster on 127.0.0.1 as in-process."""
    import sys

    from flightpath.questions.batch import diff_chunk, exposure_chunk
    from flightpath.questions.diff import diff
    from flightpath.questions.exposure import exposure

    sys.path.insert(0, str(ROOT / "bench"))
    import generate

    out = generate.generate("XS", tmp_path_factory.mktemp("xsb") / "XS", seed=2, jobs=1, pairs=5)
    snap = str(out / "snapshot")
    topo = load_snapshot(snap)
    local = exposure(topo)
    pooled = exposure(topo, map_classes=lambda items: run(exposure_chunk, snap, items, workers=2))
    assert _exposure_key(pooled) == _exposure_key(local) and local.exposed
    import json
    import shutil

    changed = tmp_path_factory.mktemp("xsb-changed") / "snapshot"
    shutil.copytree(snap, changed)
    acls = next(changed.rglob("DescribeNetworkAcls.json"))
    body = json.loads(acls.read_text())
    entry = next(e for a in body["NetworkAcls"] if not a.get("IsDefault") for e in a["Entries"]
                 if e["RuleAction"] == "allow" and not e["Egress"])
    entry["RuleAction"] = "deny"  # one NACL rule turns from allow to deny
    acls.write_text(json.dumps(body))
    after = load_snapshot(changed)
    pair_diff = diff(topo, after, scope="all")
    assert pair_diff.pairs_compared and len(pair_diff.raw) == 1
    flows = lambda r: [(f.src, f.dst, f.what, f.kind, f.before, f.after) for f in r.flows]  # noqa: E731
    mapped = diff(topo, after, scope="all", map_pairs=lambda items: run(diff_chunk, (snap, str(changed)), items,
                                                                        workers=2))
    assert flows(mapped) == flows(pair_diff)
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        on_dask = exposure(topo, map_classes=lambda items: run(exposure_chunk, snap, items, executor=address))
    assert _exposure_key(on_dask) == _exposure_key(local)
