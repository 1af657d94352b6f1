"""`load_snapshot(path)`: a snapshot folder (or any folder of cloud JSON dumps) → a Topology."""

from __future__ import annotations

import os

from flightpath.snapshot.cache import gc_paused, load_estate
from flightpath.topology.indexes import Topology


def load_snapshot(path: str | os.PathLike[str], use_cache: bool = True) -> Topology:
    """Read and normalize the snapshot (or unpickle its compiled cache), then index it."""
    with gc_paused():  # the indexes are millions of small objects too
        estate, info = load_estate(path, use_cache)
        return Topology(estate, info)
