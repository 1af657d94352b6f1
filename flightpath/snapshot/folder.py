"""Reading snapshot folders, recognising each dump by its content (writing is in writer.py).

A snapshot is a folder of the clouds' own JSON responses plus `manifest.json` (DESIGN.md). Loading
also accepts any folder of CLI/REST dumps with arbitrary names: each collector package's `recognize`
module says which documents it owns (AWS by top-level key, Azure by `type`, ...). The core only
knows collector names; it imports their pure `recognize`/`normalize` modules lazily and never an SDK.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flightpath.errors import SnapshotError
from flightpath.model import MissingData
from flightpath.snapshot.links import LINKS, parse_links

CLOUDS = ("aws", "azure", "gcp", "oci")
MANIFEST = "manifest.json"
FORMAT = "flightpath-snapshot"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RawDocument:
    """One recognised response body. `kind` is the cloud's own name for it (e.g. "SecurityGroups",
    "SearchTransitGatewayRoutes"); `resource_id` is set for per-resource calls; `scope` holds what
    the path told (account, region, ...)."""

    path: Path
    cloud: str
    kind: str
    body: Any
    scope: dict[str, str] = field(default_factory=dict)
    resource_id: str = ""


@dataclass
class SnapshotContents:
    root: Path
    documents: dict[str, list[RawDocument]]  # cloud -> documents
    manifest: dict[str, Any] | None
    missing: list[MissingData]
    warnings: list[str]
    files: list[Path]
    links: list = field(default_factory=list)  # snapshot.links.DeclaredLink entries of the root's links.json


def collector_module(cloud: str, name: str):
    try:
        return importlib.import_module(f"flightpath.collectors.{cloud}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith(f"flightpath.collectors.{cloud}"):
            return None
        raise


def read_json(path: Path) -> Any:
    """Parse one JSON file; a malformed or truncated file is a SnapshotError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SnapshotError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise SnapshotError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read ({exc.strerror})") from None
    if not text.strip():
        raise SnapshotError(f"{path}: empty file (truncated?)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def snapshot_files(root: Path) -> list[Path]:
    """Every JSON file under root, sorted, skipping hidden files/folders and flightpath's cache."""
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(".json"):
                continue
            files.append(Path(dirpath) / name)
    return files


def _manifest_missing(manifest: dict[str, Any], path: Path) -> list[MissingData]:
    errors = manifest.get("errors", [])
    if not isinstance(errors, list):
        raise SnapshotError(f"{path}: field 'errors' must be a list")
    out = []
    for i, err in enumerate(errors):
        if not isinstance(err, dict) or "operation" not in err:
            raise SnapshotError(f"{path}: errors[{i}] must be an object with 'operation'")
        params = err.get("params") or {}
        out.append(
            MissingData(
                cloud=str(err.get("cloud", "")),
                scope=str(err.get("scope", "")),
                operation=str(err["operation"]),
                code=str(err.get("code", "")),
                message=str(err.get("message", "")),
                resource_id=str(params.get("resource_id", "")) if isinstance(params, dict) else "",
            )
        )
    return out


def list_snapshot(root: str | os.PathLike[str]) -> tuple[Path, list[Path]]:
    """The snapshot folder and its JSON files; a missing folder, a file, or an empty folder is an error."""
    root = Path(root)
    if not root.exists():
        raise SnapshotError(f"{root}: snapshot folder not found")
    if not root.is_dir():
        raise SnapshotError(f"{root}: not a folder (give the snapshot folder, not a file)")
    files = snapshot_files(root)
    if not files:
        raise SnapshotError(f"{root}: no JSON files in the snapshot folder")
    return root, files


def read_snapshot(root: str | os.PathLike[str], files: list[Path] | None = None) -> SnapshotContents:
    """Read and recognise every document under root. Unknown files are warnings, bad JSON an error."""
    if files is None:
        root, files = list_snapshot(root)
    root = Path(root)
    recognizers = [(c, m) for c in CLOUDS if (m := collector_module(c, "recognize")) is not None]
    documents: dict[str, list[RawDocument]] = {}
    warnings: list[str] = []
    manifest = None
    missing: list[MissingData] = []
    links: list = []
    for path in files:
        rel = path.relative_to(root)
        if path.is_symlink() and not path.exists():
            warnings.append(f"{rel}: a dangling or looping symbolic link; skipped")
            continue
        body = read_json(path)
        if rel.as_posix() == MANIFEST:
            if not isinstance(body, dict) or body.get("format") != FORMAT:
                raise SnapshotError(f"{path}: not a flightpath manifest (field 'format' must be '{FORMAT}')")
            manifest = body
            missing.extend(_manifest_missing(body, path))
            continue
        if rel.as_posix() == LINKS:  # declared cross-cloud links (snapshot/links.py)
            links = parse_links(body, path)
            continue
        found = False
        for cloud, module in recognizers:
            docs = module.recognize(body, rel, path)
            if docs:
                documents.setdefault(cloud, []).extend(docs)
                found = True
                break
        if not found:
            warnings.append(f"{rel}: not a recognised cloud API response; ignored")
    for dirpath, dirnames, _files in os.walk(root):  # folders behind symlinks are not followed: say so
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for d in dirnames:
            if os.path.islink(os.path.join(dirpath, d)):
                rel = Path(dirpath, d).relative_to(root)
                warnings.append(f"{rel}: a symbolic link to a folder; not followed (its files are not loaded)")
    from flightpath.snapshot.duplicates import check_duplicates

    check_duplicates(documents, dict(recognizers), warnings)
    return SnapshotContents(root, documents, manifest, missing, warnings, files, links)


def snapshot_digest(files: list[Path], root: Path) -> str:
    """sha256 over the relative paths and bytes of every file: identifies a snapshot exactly."""
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        if path.is_symlink() and not path.exists():  # dangling or looping: skipped by read_snapshot
            h.update(b"broken symlink -> " + os.fsencode(os.readlink(path)))
        else:
            try:
                h.update(path.read_bytes())
            except OSError as exc:
                raise SnapshotError(f"{path}: cannot read ({exc.strerror})") from None
        h.update(b"\0")
    return h.hexdigest()
