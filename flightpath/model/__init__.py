"""The cloud-neutral vocabulary: resources (model types), flows, protocols, addresses, trace outcomes.

Owns the frozen value types every stage shares. May import only `flightpath.errors` (and itself).
"""

from __future__ import annotations

from flightpath.model.balancing import LbTarget, Listener, ListenerRule, LoadBalancer, TargetGroup  # noqa: F401
from flightpath.model.outcome import Check, Decision, Hop, PathResult, RouteRef, RuleRef, Trace, Verdict  # noqa: F401 (re-exported)
from flightpath.model.gateways import Gateway, RouterAttachment, TransitRouter, VpnLink  # noqa: F401 (re-exported)
from flightpath.model.resources import (  # noqa: F401 (re-exported)
    ANY_ADDRESS,
    Action,
    AddressGroup,
    AddressMatch,
    AttachmentKind,
    Direction,
    Estate,
    FilterStage,
    FilterTier,
    GatewayKind,
    Interface,
    IPAddress,
    IPNetwork,
    MissingData,
    NativeRef,
    Network,
    Ordering,
    PortRange,
    Route,
    RouteTable,
    Rule,
    RuleSet,
    Subnet,
    TargetKind,
)
