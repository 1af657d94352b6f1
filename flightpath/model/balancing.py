"""Load balancers as hops (cloud-neutral): listeners on frontend addresses forward to a target group's
healthy targets; the model says which source the target sees and whether the balancer filters."""

from __future__ import annotations

from dataclasses import dataclass

from flightpath.model.resources import IPAddress, NativeRef


@dataclass(frozen=True, slots=True)
class LbTarget:
    ref: NativeRef  # the instance / IP / interface registered
    address: IPAddress | None  # None: the target's address is not in the snapshot
    port: int | None = None  # None: the target group's port
    healthy: bool | None = None  # None: health not in the snapshot
    state: str = ""  # the provider's health state word ("healthy", "unhealthy", "unused", ...)


@dataclass(frozen=True, slots=True)
class TargetGroup:
    ref: NativeRef
    protocol: str  # TCP, UDP, TCP_UDP, TLS, HTTP, HTTPS, ...
    port: int | None
    targets: tuple[LbTarget, ...] = ()
    preserve_client_ip: bool = False  # the target sees the client's address (else the balancer node's)
    health_missing: str = ""  # why target health is not known
    health_applies: bool = True  # False: no health probe decides (an Azure inbound NAT rule's one backend)


@dataclass(frozen=True, slots=True)
class ListenerRule:
    """One rule of a layer-7 listener (AWS ALB DescribeRules), the default rule included."""

    ref: NativeRef  # the rule; name: "10" (its priority) or "default"
    conditions: str = ""  # a summary of what it matches: "host-header api.example.com; path-pattern /v1/*"
    target_group_ids: tuple[str, ...] = ()  # forward action's target groups (weight 0 left out)
    answer: str = ""  # the balancer answers itself: "fixed-response 503", "redirect to HTTPS:443"
    sources: tuple | None = None  # source-ip condition's networks (the trace knows the client); None: none
    exact: bool = False  # every condition is one a trace can decide (source-ip only, or the default rule)


@dataclass(frozen=True, slots=True)
class Listener:
    ref: NativeRef
    protocols: tuple[int, ...]  # IANA protocol numbers the listener accepts (6, 17)
    port: int | None  # None: every port (Azure HA ports)
    target_group_ids: tuple[str, ...] = ()
    backend_port: int | None = None  # a rule's backend port (Azure); None: the target group's / target's
    frontend_ids: tuple[str, ...] = ()  # the frontend interfaces it listens on (lowercased); (): all of them
    port_to: int | None = None  # a frontend port range's last port (Azure inbound NAT rule v2); None: `port` only
    note: str = ""  # said as a warning when the listener is used
    probe_port: int | None = None  # the health probe's port (Azure): a backend NSG that denies it is named
    rules: tuple[ListenerRule, ...] = ()  # layer-7 rules; (): target_group_ids is the only action


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    ref: NativeRef
    listeners: tuple[Listener, ...]
    interface_ids: tuple[str, ...] = ()  # its nodes' interfaces (frontend addresses)
    code_no_listener: str = "lb_no_listener"  # condition names for the cloud's code book
    note: str = ""
    # outbound SNAT rules (Azure outboundRules): (the NAT Gateway's estate key, protocols it translates)
    outbound: tuple[tuple[str, tuple[int, ...]], ...] = ()
    dns_names: tuple[str, ...] = ()  # names that resolve to its frontend addresses (AWS DNSName), lowercased
