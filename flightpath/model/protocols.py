"""IP protocol names and numbers (IANA). Flows and rules carry numbers; reports show names."""

from __future__ import annotations

from flightpath.errors import FlowError, SnapshotError

NAMES = {1: "icmp", 6: "tcp", 17: "udp", 47: "gre", 50: "esp", 51: "ah", 58: "icmpv6", 132: "sctp"}
NUMBERS = {name: number for number, name in NAMES.items()} | {"icmp6": 58, "ipv6-icmp": 58}


def protocol_name(number: int | None) -> str:
    if number is None:
        return "all"
    return NAMES.get(number, f"proto {number}")


def protocol_number(text: str, where: str, *, for_flow: bool = False) -> int:
    """'tcp' → 6, '17' → 17. A bad value raises with `where` (a snapshot field or a CLI option)."""
    value = text.strip().lower()
    if value in NUMBERS:
        return NUMBERS[value]
    if value.isdigit() and 0 <= int(value) <= 255:
        return int(value)
    error = FlowError if for_flow else SnapshotError
    raise error(f"{where}: unknown protocol {text!r} (use tcp, udp, icmp, icmpv6, all, or a number 0-255)")
