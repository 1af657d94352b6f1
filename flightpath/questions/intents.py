"""Intents files for `flightpath check` (and the pairs of `flightpath diff`): YAML or JSON, checked field by
field with one-line errors that name the entry and the field.

    intents:
      - name: app reaches the database
        from: app-a                      # any endpoint `trace` accepts ...
        to: {subnet: spoke-b-db}         # ... or a selector: every interface in a cidr / subnet / network / group
        protocol: tcp
        port: 5432                       # a port, or a range "8000-8100" (every port of it must hold)
        expect: reachable                # reachable | blocked | unreachable
        via: hub-tgw                     # optional: a resource the path must cross (id or name)
      - name: no ssh from app to db
        from: app-a
        to: db-b
        port: 22
        expect: blocked
        blocked_by: acl-0d4e5f6a7b8c90031   # optional: the resource expected to block (id or name)

A bare list of entries is accepted too. `expect: blocked` means a filter or gateway denied it (verdict
`blocked`); `unreachable` means any verdict that does not get through (blocked, no_route, unassigned).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flightpath.errors import FlightpathError

EXPECTATIONS = ("reachable", "blocked", "unreachable")
SELECTORS = ("cidr", "subnet", "network", "group")
FIELDS = {"name", "from", "to", "protocol", "port", "expect", "via", "blocked_by"}


class IntentError(FlightpathError):
    """An intents file that cannot be used (exit 2)."""


@dataclass(frozen=True)
class Intent:
    name: str
    src: str | dict[str, str]
    dst: str | dict[str, str]
    protocol: str = "tcp"
    ports: tuple[int, int] | None = None
    expect: str = "reachable"
    via: str = ""
    blocked_by: str = ""


def load_intents(path: Path) -> list[Intent]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IntentError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IntentError(f"{path}: malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    else:
        import yaml

        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
            raise IntentError(f"{path}: malformed YAML{where}: {getattr(exc, 'problem', exc)}") from None
    entries = doc.get("intents") if isinstance(doc, dict) else doc
    if not isinstance(entries, list) or not entries:
        raise IntentError(f"{path}: expected a non-empty list of intents (or {{intents: [...]}}), "
                          f"found {type(entries).__name__}")
    out = [_intent(e, f"{path}: intents[{i}]") for i, e in enumerate(entries)]
    names = [i.name for i in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise IntentError(f"{path}: intent names must be unique; repeated: {', '.join(dupes)}")
    return out


def _intent(e: Any, where: str) -> Intent:
    if not isinstance(e, dict):
        raise IntentError(f"{where}: expected a mapping, found {type(e).__name__}")
    unknown = sorted(set(e) - FIELDS)
    if unknown:
        raise IntentError(f"{where}: unknown field {unknown[0]!r} (fields: {', '.join(sorted(FIELDS))})")
    name = e.get("name")
    if not isinstance(name, str) or not name.strip():
        raise IntentError(f"{where}.name: expected a non-empty string, found {name!r}")
    where = f"{where} ({name})"
    src, dst = _end(e.get("from"), f"{where}.from"), _end(e.get("to"), f"{where}.to")
    protocol = e.get("protocol", "tcp")
    if not isinstance(protocol, (str, int)) or isinstance(protocol, bool):
        raise IntentError(f"{where}.protocol: expected a protocol name or number, found {protocol!r}")
    expect = e.get("expect", "reachable")
    if expect not in EXPECTATIONS:
        raise IntentError(f"{where}.expect: expected one of {', '.join(EXPECTATIONS)}, found {expect!r}")
    for f in ("via", "blocked_by"):
        if f in e and (not isinstance(e[f], str) or not e[f]):
            raise IntentError(f"{where}.{f}: expected a resource id or name, found {e[f]!r}")
    if e.get("blocked_by") and expect == "reachable":
        raise IntentError(f"{where}.blocked_by: only meaningful with expect: blocked or unreachable")
    return Intent(name.strip(), src, dst, str(protocol).lower(), _ports(e.get("port"), f"{where}.port"), expect,
                  e.get("via", ""), e.get("blocked_by", ""))


def _end(v: Any, where: str) -> str | dict[str, str]:
    if isinstance(v, str) and v.strip():
        return v.strip()
    if isinstance(v, dict) and len(v) == 1:
        (kind, value), = v.items()
        if kind in SELECTORS and isinstance(value, str) and value:
            return {kind: value}
    raise IntentError(f"{where}: expected an endpoint (instance, interface, IP, internet) or one selector "
                      f"{{{' | '.join(SELECTORS)}: value}}, found {v!r}")


def _ports(v: Any, where: str) -> tuple[int, int] | None:
    if v is None:
        return None
    if isinstance(v, int) and not isinstance(v, bool):
        lo = hi = v
    elif isinstance(v, str) and v.replace("-", "", 1).isdigit() and "-" in v:
        lo, hi = (int(x) for x in v.split("-"))
    elif isinstance(v, str) and v.isdigit():
        lo = hi = int(v)
    else:
        raise IntentError(f"{where}: expected a port (0-65535) or a range 'low-high', found {v!r}")
    if not 0 <= lo <= hi <= 65535:
        raise IntentError(f"{where}: {v!r} is not a port range within 0-65535")
    return lo, hi


def intents_schema() -> dict[str, Any]:
    """The JSON Schema of an intents file (`flightpath schema intents`), for editors and CI linting."""
    end = {"oneOf": [{"type": "string", "minLength": 1},
                     {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
                      "properties": {k: {"type": "string", "minLength": 1} for k in SELECTORS}}]}
    entry = {"type": "object", "required": ["name", "from", "to"], "additionalProperties": False, "properties": {
        "name": {"type": "string", "minLength": 1}, "from": end, "to": end,
        "protocol": {"type": ["string", "integer"], "default": "tcp"},
        "port": {"oneOf": [{"type": "integer", "minimum": 0, "maximum": 65535},
                           {"type": "string", "pattern": "^[0-9]+(-[0-9]+)?$"}]},
        "expect": {"enum": list(EXPECTATIONS), "default": "reachable"},
        "via": {"type": "string"}, "blocked_by": {"type": "string"}}}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://github.com/flightpath/flightpath/schema/intents-v1.json",
            "title": "flightpath intents file v1",
            "oneOf": [{"type": "array", "minItems": 1, "items": entry},
                      {"type": "object", "required": ["intents"], "properties": {
                          "intents": {"type": "array", "minItems": 1, "items": entry}}}]}
