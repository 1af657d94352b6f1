"""The JSON report v1 (validated by schemas/report-v1.json)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from flightpath import __version__
from flightpath.evaluate.tracing import QueryResult
from flightpath.model import Hop, NativeRef, PathResult
from flightpath.model.outcome import ASSUMPTIONS
from flightpath.snapshot.cache import SnapshotInfo
from flightpath.topology.endpoints import Endpoint

SCHEMA_ID = "flightpath.report/v1"


def schema() -> dict[str, Any]:
    return json.loads(resources.files("flightpath.report").joinpath("schemas/report-v1.json").read_text())


def _resource(ref: NativeRef) -> dict[str, str]:
    return {"cloud": ref.cloud, "type": ref.type, "id": ref.id, "name": ref.name,
            "account": ref.account, "region": ref.region}


def hop_json(h: Hop, index: int, path: str) -> dict[str, Any]:
    return {
        "index": index, "path": path, "resource": _resource(h.resource), "check": h.check.value,
        "decision": h.decision.value,
        "rule": None if h.rule is None else {"resource": _resource(h.rule.resource), "label": h.rule.label,
                                              "action": h.rule.action, "summary": h.rule.summary},
        "route": None if h.route is None else {"table": _resource(h.route.table), "destination": h.route.destination,
                                                "target": h.route.target, "origin": h.route.origin,
                                                "summary": h.route.summary},
        "code": h.code or None, "reason": h.reason, "packet": h.packet.to_json(), "blocking": h.blocking,
        "assumptions": list(h.assumptions), "interface": _resource(h.interface) if h.interface else None,
    }


def _path(p: PathResult, name: str) -> dict[str, Any]:
    return {"verdict": p.verdict.value, "reason": p.reason,
            "hops": [hop_json(h, i, name) for i, h in enumerate(p.hops, 1)]}


def _endpoint(ep: Endpoint) -> dict[str, Any]:
    res = ep.interface.ref if ep.interface else ep.subnet.ref if ep.subnet else None
    return {"kind": ep.kind, "label": ep.label, "address": str(ep.address),
            "resource": _resource(res) if res else None}


def build_report(result: QueryResult, info: SnapshotInfo) -> dict[str, Any]:
    t = result.trace
    paths = [("forward", t.forward)] + ([("return", t.reply)] if t.reply else [])
    index = {id(h): (name, i) for name, p in paths for i, h in enumerate(p.hops, 1)}

    def located(h: Hop) -> dict[str, Any]:
        name, i = index[id(h)]
        return hop_json(h, i, name)

    reason = t.forward.reason if t.verdict == t.forward.verdict else f"return path: {t.reply.reason}"
    return {
        "schema": SCHEMA_ID, "tool_version": __version__,
        "snapshot": {"path": info.path, "sha256": info.sha256},
        "query": {"src": result.query.src, "dst": result.query.dst, "all_blockers": result.query.all_blockers,
                  "with_return": result.query.with_return},
        "flow": t.flow.to_json(), "source": _endpoint(result.source), "destination": _endpoint(result.destination),
        "verdict": t.verdict.value, "reachable": t.reachable, "reason": reason,
        "forward": _path(t.forward, "forward"), "return": _path(t.reply, "return") if t.reply else None,
        "first_block": located(t.first_block) if t.first_block else None,
        "blockers": [located(h) for h in t.blockers],
        "warnings": list(dict.fromkeys(t.warnings + [f"snapshot: {w}" for w in info.warnings])),
        "assumptions": assumptions_json(t),
        "branches": [{"label": b.label, "verdict": b.verdict.value, "reason": b.reason, "blocked": b.blocked,
                      "hops": [hop_json(h, i, "forward") for i, h in enumerate(b.hops, 1)]} for b in t.branches],
    }


def assumptions_json(t) -> list[dict[str, Any]]:
    used = {a for _n, p in [("f", t.forward), ("r", t.reply)] if p for h in p.hops for a in h.assumptions}
    return [{"name": a, "description": ASSUMPTIONS[a], "used": a in used} for a in t.assumptions]
