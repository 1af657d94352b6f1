"""Small state types shared by the walker and its gateway steps."""

from __future__ import annotations

from dataclasses import dataclass

from flightpath.model import NativeRef
from flightpath.model.outcome import Verdict

MAX_ROUTE_LOOKUPS = 64
INTERNET = NativeRef("internet", "internet", "internet", "the internet")


class Stop(Exception):
    def __init__(self, verdict: Verdict, reason: str) -> None:
        super().__init__(reason)
        self.verdict = verdict
        self.reason = reason


@dataclass
class NatSession:
    interface_id: str
    translated: tuple[object, int | None]
    original: tuple[object, int | None]
    reply_src: tuple[object, int | None] | None = None  # the reply's source after translation (a balancer's frontend)


@dataclass
class ExitPoint:
    """Where a packet left the estate, so that the reply can come back in the same way."""

    kind: str  # "internet" | "router" | "network" | "none"
    resource: NativeRef
    network_id: str = ""
    router_id: str = ""
    attachment_id: str = ""
    gateway_id: str = ""  # the gateway's estate key (a normalizer may key by other than the native id)
