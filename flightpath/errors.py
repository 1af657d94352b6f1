"""Errors that reach the user as one line and an exit code (the CLI is the only place that exits)."""

from __future__ import annotations


class FlightpathError(Exception):
    """Base class: a message fit to print on one line. exit_code follows DESIGN.md (2 = bad input)."""

    exit_code = 2


class SnapshotError(FlightpathError):
    """A snapshot folder or file that cannot be read (missing, malformed JSON, wrong shape)."""


class EndpointError(FlightpathError):
    """SRC or DST names nothing, or names several things."""


class FlowError(FlightpathError):
    """A flow that cannot exist: bad protocol, port, ICMP type, address family mismatch."""


class CollectorError(FlightpathError):
    """A live collector that cannot start (SDK extra missing, no credentials, bad arguments)."""
