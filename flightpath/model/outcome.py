"""What a trace reports: verdicts, checks, decisions, hops, and the Trace itself (no rendering here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from flightpath.model.flow import Flow
from flightpath.model.resources import NativeRef


class Verdict(StrEnum):
    DELIVERED = "delivered"
    EXITED = "exited"
    BLOCKED = "blocked"
    NO_ROUTE = "no_route"
    UNASSIGNED = "unassigned"
    UNKNOWN = "unknown"
    AMBIGUOUS = "ambiguous"

    @property
    def reachable(self) -> bool:
        return self in (Verdict.DELIVERED, Verdict.EXITED)

    @property
    def undetermined(self) -> bool:
        """Neither reachable nor unreachable: data is missing (unknown) or branches disagree (ambiguous)."""
        return self in (Verdict.UNKNOWN, Verdict.AMBIGUOUS)


class Check(StrEnum):
    START = "start"
    EGRESS_FILTER = "egress_filter"
    INGRESS_FILTER = "ingress_filter"
    ROUTE_LOOKUP = "route_lookup"
    NAT = "nat"
    FORWARD = "forward"
    DELIVER = "deliver"
    EXIT = "exit"


class Decision(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    FORWARD = "forward"
    TRANSLATE = "translate"
    DELIVER = "deliver"
    EXIT = "exit"
    DROP = "drop"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RuleRef:
    resource: NativeRef  # the rule set (SG, NACL, NSG) or rule resource
    label: str  # native number / priority / name
    action: str
    summary: str


@dataclass(frozen=True, slots=True)
class RouteRef:
    table: NativeRef
    destination: str
    target: str
    origin: str
    summary: str


@dataclass(frozen=True, slots=True)
class Hop:
    resource: NativeRef
    check: Check
    decision: Decision
    reason: str
    packet: Flow  # the header as it leaves this hop
    rule: RuleRef | None = None
    route: RouteRef | None = None
    code: str = ""
    blocking: bool = False
    # names of the user's assumptions (--assume) this hop relied on
    assumptions: tuple[str, ...] = ()
    # the service-managed interface behind `resource` when `resource` is its owning service (issue 10.2)
    interface: NativeRef | None = None


# What each --assume name means (a trace records the ones it was run with, and each hop that relied on one).
ASSUMPTIONS = {
    "default-nacls": "a subnet whose network ACL (subnet filter) is not in the snapshot has its network's "
                     "default allow-all ACL",
    "tunnels-up": "VPN connections whose tunnels telemetry shows DOWN, or whose tunnels are not in the snapshot, are treated as UP",
}


@dataclass
class PathResult:
    hops: list[Hop]
    verdict: Verdict
    reason: str


@dataclass
class Trace:
    flow: Flow
    forward: PathResult
    reply: PathResult | None
    blockers: list[Hop] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    src_label: str = ""
    dst_label: str = ""
    assumptions: tuple[str, ...] = ()  # the --assume names the trace ran with
    # load balancer targets walked as branches: objects with label, verdict, reason, hops, blocked
    branches: list = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        """The answer to "can A talk to B": the forward verdict, unless the reply fails (a connection
        needs both directions), in which case the reply's verdict."""
        if self.forward.verdict.reachable and self.reply is not None and not self.reply.verdict.reachable:
            return self.reply.verdict
        return self.forward.verdict

    @property
    def first_block(self) -> Hop | None:
        return self.blockers[0] if self.blockers else None

    @property
    def reachable(self) -> bool:
        return self.verdict.reachable
