"""The compiled cache: keyed by the snapshot's content, rebuilt when a file changes, safe to delete."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.snapshot import list_snapshot, snapshot_digest

LAB = Path(__file__).resolve().parents[2] / "fixtures" / "kickstart-aws"
ACLS = Path("aws/111122223333/us-east-1/DescribeNetworkAcls.json")


def _ssh_verdict(root: Path, **kw) -> str:
    return run_query(load_snapshot(root, **kw), Query("app-a", "db-b", "tcp", 22)).trace.verdict.value


def test_cache_follows_the_content(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FLIGHTPATH_CACHE_DIR", str(tmp_path / "cache"))
    lab = tmp_path / "lab"
    shutil.copytree(LAB, lab)
    assert _ssh_verdict(lab) == "blocked"  # spoke-b-db-acl inbound rule 110 denies tcp 22
    assert list((tmp_path / "cache").glob("estate-*.pickle"))
    first = load_snapshot(lab).info.sha256
    assert first == snapshot_digest(*reversed(list_snapshot(lab)))

    # Someone fixes the NACL: rule 110 becomes an allow. The cached estate must not be reused.
    doc = json.loads((lab / ACLS).read_text())
    for acl in doc["NetworkAcls"]:
        for e in acl["Entries"]:
            if e["RuleNumber"] == 110 and not e["Egress"]:
                e["RuleAction"] = "allow"
    (lab / ACLS).write_text(json.dumps(doc))
    assert _ssh_verdict(lab) == "delivered"
    assert load_snapshot(lab).info.sha256 != first
    assert _ssh_verdict(lab, use_cache=False) == "delivered"

    # Safe to delete.
    shutil.rmtree(tmp_path / "cache")
    assert _ssh_verdict(lab) == "delivered"


def test_a_damaged_cache_is_rebuilt_not_trusted(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FLIGHTPATH_CACHE_DIR", str(tmp_path / "cache"))
    assert _ssh_verdict(LAB) == "blocked"
    for pickle_file in (tmp_path / "cache").glob("estate-*.pickle"):
        pickle_file.write_bytes(b"not a pickle")
    assert _ssh_verdict(LAB) == "blocked"
