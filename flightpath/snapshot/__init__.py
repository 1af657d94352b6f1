"""Snapshot folders: reading them (recognising each dump by content), writing them atomically, the
manifest, the compiled cache, the collectors' progress interface, and the inventory of what was loaded.

May import `flightpath.model` and `flightpath.errors`; collectors' pure modules are found by name, lazily.
"""

from __future__ import annotations

from flightpath.snapshot.folder import (  # noqa: F401 (re-exported)
    CLOUDS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    RawDocument,
    SnapshotContents,
    collector_module,
    list_snapshot,
    read_json,
    read_snapshot,
    snapshot_digest,
    snapshot_files,
)
from flightpath.snapshot.writer import SnapshotWriter, dump_json  # noqa: F401 (re-exported)
