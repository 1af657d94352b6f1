"""The compiled cache: a snapshot's normalized Estate, pickled by content hash, and the loaded-snapshot info.

`load_estate(path)` reads a snapshot folder, runs each cloud's normalizer and returns the Estate with a
SnapshotInfo. The Estate is cached by the snapshot's content hash in the user's cache folder
(~/.cache/flightpath, or $FLIGHTPATH_CACHE_DIR); the cache is never read from inside a snapshot folder,
because a snapshot travels with tickets and a pickle inside it would be code we run.
"""

from __future__ import annotations

import dataclasses
import gc
import os
import pickle
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from pathlib import Path

from flightpath import __version__
from flightpath.errors import SnapshotError
from flightpath.model import Estate
from flightpath.snapshot.folder import SnapshotContents, collector_module, list_snapshot, read_snapshot, snapshot_digest
from flightpath.snapshot.links import apply_links

CACHE_FORMAT = 1


@dataclass
class SnapshotInfo:
    path: str
    sha256: str
    warnings: list[str] = field(default_factory=list)
    files: int = 0


def _normalize(contents: SnapshotContents) -> Estate:
    estate = Estate()
    for cloud, docs in contents.documents.items():
        module = collector_module(cloud, "normalize")
        if module is None:
            estate.warnings.append(f"{len(docs)} {cloud} documents ignored: no {cloud} normalizer installed")
            continue
        estate.merge(_normalize_cloud(module, cloud, docs, contents))
    for m in contents.missing:
        if m.cloud not in contents.documents:
            estate.missing.append(m)
    estate.warnings[:0] = contents.warnings
    apply_links(estate, contents.links)
    return estate


# What a normalizer raises when a document has a shape its code did not check (a string where it does
# arithmetic, a list where it calls .get): bad input, not a flightpath bug to report.
SHAPE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError, RecursionError)


def _normalize_cloud(module, cloud: str, docs: list, contents: SnapshotContents) -> Estate:
    """The normalizer's Estate. The normalizers check the shapes they read (snapshot/fields.py) and name
    the field; where one did not, the unexpected exception is still bad input: each document is then
    normalized alone (then the set without each one) to find the file that causes it, and the error names
    that file (exit 2, one line).
    FLIGHTPATH_DEBUG=1 re-raises the original for the traceback."""
    try:
        return module.normalize(docs, contents.missing)
    except SHAPE_ERRORS as exc:
        if os.environ.get("FLIGHTPATH_DEBUG"):
            raise
        what = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
        for doc in docs:
            try:
                module.normalize([doc], [])
            except SHAPE_ERRORS as alone:
                what = f"{type(alone).__name__}: {' '.join(str(alone).split())[:120]}"
                raise SnapshotError(f"{doc.path}: {doc.kind}: a field has a shape flightpath does not expect "
                                    f"({what})") from None
            except SnapshotError:
                raise
        if len(docs) <= 500:  # then leave one out: the documents without which it loads are suspects
            suspects = []
            for doc in docs:
                try:
                    module.normalize([d for d in docs if d is not doc], [])
                except Exception:
                    continue
                suspects.append(doc)
            if len(suspects) == 1:
                raise SnapshotError(f"{suspects[0].path}: {suspects[0].kind}: a field has a shape flightpath does "
                                    f"not expect ({what})") from None
            if suspects:
                raise SnapshotError(f"{suspects[0].path}: a field has a shape flightpath does not expect ({what}); "
                                    f"in one of: {', '.join(str(d.path) for d in suspects)}") from None
        files = sorted({str(d.path) for d in docs})
        raise SnapshotError(f"{files[0] if len(files) == 1 else contents.root}: {cloud} documents do not fit together "
                            f"({what}); {len(files)} {cloud} files") from None


def _code_fingerprint() -> str:
    """Changes whenever the normalizers or the model change (size and mtime of their sources), so a
    cache written by other code is never read."""
    import hashlib

    import flightpath
    from flightpath import collectors

    h = hashlib.sha256()
    for root in (Path(flightpath.__file__).parent, Path(collectors.__file__).parent):
        for src in sorted(root.rglob("*.py")):
            st = src.stat()
            h.update(f"{src.relative_to(root).as_posix()}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def _cache_dir() -> Path:
    return Path(os.environ.get("FLIGHTPATH_CACHE_DIR") or Path.home() / ".cache" / "flightpath")


@contextmanager
def gc_paused():
    """Loading allocates millions of small objects and no cycles worth collecting: pausing the cyclic
    garbage collector meanwhile roughly halves load time on large estates; afterwards what was loaded is
    frozen (it lives as long as the process: later collections skip it)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.freeze()
            gc.enable()


def load_estate(path: str | os.PathLike[str], use_cache: bool = True) -> tuple[Estate, SnapshotInfo]:
    """Load a snapshot folder (or any folder of cloud JSON dumps) into an Estate. With the cache, a
    snapshot seen before (same bytes, same code) is unpickled without parsing any JSON."""
    root, files = list_snapshot(path)
    # Always the bytes' sha256 (never remembered by size/mtime: a same-size edit that keeps the old
    # mtime must not replay old rules). hashlib runs at ~1 GB/s; see README "Bad input" for the cost.
    digest = snapshot_digest(files, root)
    with gc_paused():
        return _load(root, files, digest, use_cache)


def _load(root: Path, files: list[Path], digest: str, use_cache: bool) -> tuple[Estate, SnapshotInfo]:
    cache = _cache_dir() / f"estate-{digest}-v{CACHE_FORMAT}-{__version__}-{_code_fingerprint()}.pickle"
    estate = _read_cache(cache) if use_cache else None
    if estate is None:
        estate = _normalize(read_snapshot(root, files))
        if use_cache:
            _write_cache(cache, estate)
    info = SnapshotInfo(str(root), digest, list(estate.warnings), len(files))
    return estate, info


_FROZEN_FIELDS: dict[type, tuple[str, ...]] = {}


class _EstatePickler(pickle.Pickler):
    """Faster-loading pickles: ipaddress objects as integers (not text to re-parse), and the model's
    frozen slotted dataclasses as constructor calls (their default __setstate__ calls fields() per
    object, which dominated loading)."""

    def reducer_override(self, obj):
        kind = type(obj)
        if kind is IPv4Address or kind is IPv6Address:
            return kind, (int(obj),)
        if kind is IPv4Network or kind is IPv6Network:
            return kind, ((int(obj.network_address), obj.prefixlen),)
        names = _FROZEN_FIELDS.get(kind)
        if names is None:
            params = getattr(kind, "__dataclass_params__", None)
            if params is None or not params.frozen:
                return NotImplemented
            names = _FROZEN_FIELDS.setdefault(kind, tuple(f.name for f in dataclasses.fields(kind)))
        return kind, tuple(getattr(obj, n) for n in names)


def _read_cache(cache: Path) -> Estate | None:
    try:
        with cache.open("rb") as fh:
            estate = pickle.load(fh)
    except Exception:  # absent, stale or damaged: rebuilt, never trusted
        return None
    return estate if isinstance(estate, Estate) else None


def _write_cache(cache: Path, estate: Estate) -> None:
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".estate-")
        with os.fdopen(fd, "wb") as fh:
            _EstatePickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(estate)
        os.replace(tmp, cache)
        for old in cache.parent.glob(cache.name.split("-v", 1)[0] + "-v*.pickle"):
            if old != cache:  # the same snapshot cached by an older version of the code
                old.unlink(missing_ok=True)
    except OSError:
        pass  # the cache is an optimisation; an unwritable cache folder is not an error
