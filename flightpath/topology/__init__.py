"""Indexes over a loaded Estate (LPM tables, address → interface), the networkx graph, and endpoint
resolution (names, ids, IPs, `internet`). May import `flightpath.model`, `flightpath.snapshot`, errors.
"""

from __future__ import annotations

from flightpath.snapshot.cache import SnapshotInfo  # noqa: F401 (re-exported)
from flightpath.topology.indexes import Topology  # noqa: F401 (re-exported)
from flightpath.topology.load import load_snapshot  # noqa: F401 (re-exported)
