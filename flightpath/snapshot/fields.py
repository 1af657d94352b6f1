"""Typed access to fields of a cloud's JSON, with one-line errors naming file and field (issue 13).

`where` is the place of the object being read, as the normalizers already build it
("snap/DescribeSecurityGroups.json: SecurityGroups[0]"); each accessor appends the key:

    get_list(sg, "IpPermissions", where)  ->  SnapshotError(
        "snap/DescribeSecurityGroups.json: SecurityGroups[0].IpPermissions: expected a list, found an object")

Absent or null optional fields give the default; present fields of the wrong type are errors, never
guessed. Collectors import this module (flightpath.snapshot is theirs to import); GCP and OCI can adopt it.
"""

from __future__ import annotations

from typing import Any

from flightpath.errors import SnapshotError

_MISSING = object()


def found(value: Any) -> str:
    """What was found, for a message: `a string "abc"`, `an object`, `null`, `the number 1e+300`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = repr(value)
        return f"the number {text if len(text) <= 24 else text[:21] + '...'}"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {text!r}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def join(where: str, key: str) -> str:
    """`file: a.b` + key: `file: a.b.key`; a bare file (`x.json` or `x.json:`) + key: `x.json: key`."""
    if where.endswith(":"):
        return f"{where} {key}"
    if where.endswith(".json"):
        return f"{where}: {key}"
    return f"{where}.{key}"


def _fail(where: str, key: str | None, expected: str, value: Any) -> SnapshotError:
    path = join(where, key) if key is not None else where
    return SnapshotError(f"{path}: expected {expected}, found {found(value)}")


def _value(obj: Any, key: str | None, where: str) -> Any:
    if key is None:
        return obj
    if not isinstance(obj, dict):
        raise _fail(where, None, "an object", obj)
    return obj.get(key, _MISSING)


def get_list(obj: Any, key: str | None, where: str, required: bool = False) -> list[Any]:
    v = _value(obj, key, where)
    if v is _MISSING or v is None:
        if required:
            raise _fail(where, key, "a list", None)
        return []
    if not isinstance(v, list):
        raise _fail(where, key, "a list", v)
    return v


def get_dict(obj: Any, key: str | None, where: str, required: bool = False) -> dict[str, Any]:
    v = _value(obj, key, where)
    if v is _MISSING or v is None:
        if required:
            raise _fail(where, key, "an object", None)
        return {}
    if not isinstance(v, dict):
        raise _fail(where, key, "an object", v)
    return v


def get_dicts(obj: Any, key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    """A list of objects: [(where of item, item)]; a non-object item is an error naming its index."""
    out = []
    for i, item in enumerate(get_list(obj, key, where)):
        w = f"{join(where, key)}[{i}]"
        if not isinstance(item, dict):
            raise _fail(w, None, "an object", item)
        out.append((w, item))
    return out


def get_int(obj: Any, key: str | None, where: str, default: Any = _MISSING, lo: int | None = None,
            hi: int | None = None) -> Any:
    """An integer (JSON number, or a string of digits as the AWS CLI prints some). Absent/null: default,
    else an error. Out of [lo, hi]: an error."""
    v = _value(obj, key, where)
    if v is _MISSING or v is None:
        if default is _MISSING:
            raise _fail(where, key, "an integer", None)
        return default
    n: int | None = None
    if isinstance(v, int) and not isinstance(v, bool):
        n = v
    elif isinstance(v, float) and v.is_integer() and abs(v) < 2**63:
        n = int(v)
    elif isinstance(v, str) and v.strip().lstrip("-").isdigit() and len(v.strip()) < 20:
        n = int(v.strip())
    if n is None:
        raise _fail(where, key, "an integer", v)
    if (lo is not None and n < lo) or (hi is not None and n > hi):
        raise _fail(where, key, f"an integer in {lo}..{hi}", v)
    return n


def get_str(obj: Any, key: str | None, where: str, default: Any = _MISSING) -> Any:
    v = _value(obj, key, where)
    if v is _MISSING or v is None:
        if default is _MISSING:
            raise _fail(where, key, "a string", None)
        return default
    if not isinstance(v, str):
        raise _fail(where, key, "a string", v)
    return v


def get_cidr(obj: Any, key: str | None, where: str):
    """A CIDR (IPv4 or IPv6): the model's parser, with the same one-line message shape."""
    from flightpath.model.addresses import parse_network

    v = _value(obj, key, where)
    path = join(where, key) if key is not None else where
    if not isinstance(v, str):
        raise _fail(where, key, "a CIDR", None if v is _MISSING else v)
    try:
        return parse_network(v, path)
    except SnapshotError:
        raise SnapshotError(f"{path}: expected a CIDR, found {found(v)}") from None
