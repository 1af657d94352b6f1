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
