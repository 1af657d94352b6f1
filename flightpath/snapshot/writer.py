"""Writing snapshot folders atomically, with stable formatting so that snapshots diff well."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flightpath.errors import SnapshotError
from flightpath.snapshot.folder import FORMAT, FORMAT_VERSION, MANIFEST


def dump_json(body: Any) -> str:
    """Stable formatting for snapshot files so that snapshots diff well."""
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"


class SnapshotWriter:
    """Write a snapshot atomically: everything goes to a temporary sibling folder, which replaces
    `dest` only when `commit()` is called. On an exception nothing at `dest` is touched.

        with SnapshotWriter(out, tool_version) as w:
            w.write("aws/123456789012/us-east-1/DescribeVpcs.json", body)
            w.add_scope({"cloud": "aws", "account": "123456789012", "region": "us-east-1"})
            w.add_error(cloud="aws", scope="123456789012/us-east-1", operation="DescribeVpcs",
                        params={}, code="AccessDenied", message="...")
        # committed on a clean exit
    """

    def __init__(self, dest: str | os.PathLike[str], tool_version: str = "") -> None:
        self.dest = Path(dest)
        self.tool_version = tool_version
        self.scopes: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self._tmp: Path | None = None

    def __enter__(self) -> "SnapshotWriter":
        parent = self.dest.resolve().parent
        if not parent.exists():
            raise SnapshotError(f"{parent}: output's parent folder does not exist")
        if self.dest.exists() and not self.dest.is_dir():
            raise SnapshotError(f"{self.dest}: exists and is not a folder")
        self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.dest.name}.", dir=parent))
        return self

    def write(self, relpath: str, body: Any) -> None:
        assert self._tmp is not None, "use SnapshotWriter as a context manager"
        target = self._tmp / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dump_json(body), encoding="utf-8")

    def add_scope(self, scope: dict[str, Any]) -> None:
        self.scopes.append(scope)

    def add_error(self, *, cloud: str, scope: str, operation: str, params: dict[str, Any] | None,
                  code: str, message: str) -> None:
        self.errors.append({"cloud": cloud, "scope": scope, "operation": operation,
                            "params": params or {}, "code": code, "message": message})

    def commit(self) -> None:
        assert self._tmp is not None
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "tool_version": self.tool_version,
            "scopes": self.scopes,
            "errors": self.errors,
        }
        self.write(MANIFEST, manifest)
        old = None
        if self.dest.exists():
            old = self.dest.with_name(f".{self.dest.name}.old-{os.getpid()}")
            os.replace(self.dest, old)
        os.replace(self._tmp, self.dest)
        self._tmp = None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and self._tmp is not None:
            self.commit()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
