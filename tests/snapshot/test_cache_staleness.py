"""The cache key follows the bytes: a same-size edit that keeps the old mtime is still seen."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.snapshot import list_snapshot, snapshot_digest

LAB = Path(__file__).resolve().parents[2] / "fixtures" / "kickstart-aws"
ACLS = Path("aws/111122223333/us-east-1/DescribeNetworkAcls.json")


def _ssh(root: Path, **kw):
    topo = load_snapshot(root, **kw)
    return run_query(topo, Query("app-a", "db-b", "tcp", 22)).trace.verdict.value, topo.info.sha256


def test_same_size_edit_with_old_mtime_is_not_replayed(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FLIGHTPATH_CACHE_DIR", str(tmp_path / "cache"))
    lab = tmp_path / "lab"
    shutil.copytree(LAB, lab)
    verdict, first = _ssh(lab)
    assert verdict == "blocked"
    path = lab / ACLS
    st = path.stat()
    raw = path.read_text()
    doc = json.loads(raw)
    for acl in doc["NetworkAcls"]:
        for e in acl["Entries"]:
            if e["RuleNumber"] == 110 and not e["Egress"]:
                assert e["RuleAction"] == "deny"
                e["RuleAction"] = "allo"  # same length as "deny": below, pad to "allow" by one dropped space
    text = json.dumps(doc, indent=1)
    edited = text.replace('"allo"', '"allow"')
    # make the file exactly the original size: pad or trim trailing whitespace
    edited = edited.rstrip() + " " * max(0, len(raw.encode()) - len(edited.rstrip().encode()))
    assert len(edited.encode()) == st.st_size
    path.write_text(edited)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    verdict, second = _ssh(lab)
    assert verdict == "delivered"
    assert second == snapshot_digest(*reversed(list_snapshot(lab))) != first
