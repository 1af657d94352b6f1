"""Batch work over a standard `concurrent.futures.Executor`: local processes (`--workers N`) or an existing
dask cluster (`--executor dask://HOST:PORT`, dask.distributed's own executor; the extra `flightpath[dask]`).
No home-made scheduler.

Each worker loads the snapshot once (through the compiled cache, so it unpickles the Estate instead of
parsing JSON again) and keeps it for every task it gets; tasks are chunks of items, results come back in
item order. With one worker and no executor everything runs in this process.

    run(check_chunk, snapshot, intents, workers=2)  →  [Outcome, ...]   (same order as `intents`)
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, Callable, Sequence

from flightpath.errors import FlightpathError

_TOPOLOGY: dict[str, Any] = {}  # per worker process: snapshot path -> Topology


def topology(snapshot: str):
    """The snapshot's Topology in this process, loaded once."""
    topo = _TOPOLOGY.get(snapshot)
    if topo is None:
        from flightpath.topology import load_snapshot

        topo = _TOPOLOGY[snapshot] = load_snapshot(snapshot)
    return topo


def _chunks(items: Sequence[Any], n: int) -> list[list[Any]]:
    size = max(1, -(-len(items) // n))
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def _open_executor(workers: int, executor: str | None, timeout: float) -> tuple[Executor | None, Callable[[], None]]:
    if executor:
        if not executor.startswith("dask://"):
            raise FlightpathError(f"--executor {executor!r}: expected dask://HOST:PORT")
        try:
            from distributed import Client
        except ImportError:
            raise FlightpathError("--executor dask://...: needs dask.distributed: pip install 'flightpath[dask]'") \
                from None
        try:
            client = Client(executor.replace("dask://", "tcp://", 1), timeout=timeout)
        except OSError as exc:
            raise FlightpathError(f"--executor {executor}: cannot connect ({exc})") from None
        return client.get_executor(), client.close
    if workers <= 1:
        return None, lambda: None
    pool = ProcessPoolExecutor(max_workers=workers)
    return pool, lambda: pool.shutdown(cancel_futures=True)


def run(task: Callable[[Any, list[Any]], list[Any]], snapshot: str | tuple[str, ...], items: Sequence[Any], *,
        workers: int = 1,
        executor: str | None = None, progress: Callable[[int], None] | None = None,
        connect_timeout: float = 10.0) -> list[Any]:
    """`task(snapshot, chunk)` → one result per item of the chunk; it must be a module-level function (it is
    pickled to the workers). `progress(n)` is called as chunks of n items finish."""
    snapshot = tuple(os.path.abspath(s) for s in snapshot) if isinstance(snapshot, tuple) else os.path.abspath(snapshot)
    pool, close = _open_executor(workers, executor, connect_timeout)
    try:
        if pool is None:
            out = []
            for chunk in _chunks(items, max(1, len(items) // 20 or 1)):
                out += task(snapshot, chunk)
                if progress:
                    progress(len(chunk))
            return out
        parts = _chunks(items, 4 * max(workers, 2))
        futures = [pool.submit(task, snapshot, chunk) for chunk in parts]
        results = []
        for chunk, fut in zip(parts, futures):
            results.append(fut.result())
            if progress:
                progress(len(chunk))
        return [r for part in results for r in part]
    finally:
        close()


def check_chunk(snapshot: str, intents: list) -> list:
    """Batch task of `flightpath check`: evaluate intents against the worker's copy of the snapshot."""
    from flightpath.questions.check import check

    return check(topology(snapshot), intents)


def exposure_chunk(snapshot: str, items: list) -> list:
    """Batch task of `flightpath exposure`: answer equivalence classes (exposure.class_answer)."""
    from flightpath.questions.exposure import class_answer

    topo = topology(snapshot)
    return [class_answer(topo, *item) for item in items]


def diff_chunk(snapshots: tuple[str, str], items: list) -> list:
    """Batch task of `flightpath diff --scope all`: compare (source, destination, window) on both snapshots."""
    from flightpath.questions.diff import compare_pair

    before, after = topology(snapshots[0]), topology(snapshots[1])
    return [compare_pair(before, after, *item) for item in items]
