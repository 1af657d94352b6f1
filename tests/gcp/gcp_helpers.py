"""Shared helpers for the GCP tests (paths, trace shortcuts)."""

from __future__ import annotations

from pathlib import Path

from flightpath.evaluate import Query, run_query
from flightpath.model import Check

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "fixtures" / "reference" / "gcp"
KICKSTART = REPO / "fixtures" / "kickstart"


def trace(topo, src: str, dst: str, proto: str = "tcp", port: int | None = None):
    return run_query(topo, Query(src, dst, proto, port)).trace


def ingress_rule(t) -> str:
    """The rule that decided the last ingress filter of the forward path."""
    hops = [h for h in t.forward.hops if h.check is Check.INGRESS_FILTER]
    return hops[-1].rule.label if hops and hops[-1].rule else ""
