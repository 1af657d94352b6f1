"""Shared helpers for the OCI tests: trace a query, find hops, and the published-reference fixtures folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # oci_builder

from flightpath.evaluate.tracing import Query, run_query  # noqa: E402
from flightpath.model.outcome import Check  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "fixtures" / "reference" / "oci"
KICKSTART = ROOT / "fixtures" / "kickstart"


def trace(topo, src, dst, proto="tcp", port=None, **kw):
    return run_query(topo, Query(src, dst, proto, port, **kw)).trace


def filters(path, check: Check):
    return [h for h in path.hops if h.check is check]


def names(path) -> list[str]:
    return [h.resource.name for h in path.hops]


@pytest.fixture
def oci_tmp(tmp_path: Path) -> Path:
    return tmp_path
