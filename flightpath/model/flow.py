"""A Flow: the packet header a trace carries (protocol number, addresses, ports, ICMP type/code)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from flightpath.errors import FlowError
from flightpath.model.protocols import protocol_name, protocol_number
from flightpath.model.resources import IPAddress

DEFAULT_SRC_PORT = 49152  # first IANA dynamic port; also inside Linux/Windows ephemeral ranges
PORT_PROTOCOLS = (6, 17, 132)
ICMP_PROTOCOLS = (1, 58)


@dataclass(frozen=True, slots=True)
class Flow:
    """protocol None means "every protocol" (`--protocol all`): only rules covering all protocols match."""

    protocol: int | None
    src: IPAddress
    dst: IPAddress
    src_port: int | None = None
    dst_port: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None

    @classmethod
    def parse(cls, protocol: str | int, src: str, dst: str, dst_port: int | None = None,
              src_port: int | None = None, icmp_type: int | None = None, icmp_code: int | None = None) -> "Flow":
        proto = None if str(protocol).lower() in ("all", "-1") else protocol_number(str(protocol), "--protocol", for_flow=True)
        try:
            s, d = ipaddress.ip_address(str(src)), ipaddress.ip_address(str(dst))
        except ValueError as exc:
            raise FlowError(f"bad IP address: {exc}") from None
        return cls.build(proto, s, d, dst_port, src_port, icmp_type, icmp_code)

    @classmethod
    def build(cls, proto: int | None, src: IPAddress, dst: IPAddress, dst_port: int | None = None,
              src_port: int | None = None, icmp_type: int | None = None, icmp_code: int | None = None) -> "Flow":
        if src.version != dst.version:
            raise FlowError(f"source {src} and destination {dst} are different IP versions")
        for name, port in (("--port", dst_port), ("--src-port", src_port)):
            if port is not None and not 0 <= port <= 65535:
                raise FlowError(f"{name}: {port} is not a port (0-65535)")
        for name, val in (("--icmp-type", icmp_type), ("--icmp-code", icmp_code)):
            if val is not None and not 0 <= val <= 255:
                raise FlowError(f"{name}: {val} is not an ICMP type/code (0-255)")
        if proto in PORT_PROTOCOLS:
            if dst_port is None:
                raise FlowError(f"--port is required for {protocol_name(proto)}")
            src_port = DEFAULT_SRC_PORT if src_port is None else src_port
            icmp_type = icmp_code = None
        elif proto in ICMP_PROTOCOLS:
            if src.version == 6 and proto == 1:
                proto = 58  # ICMP toward an IPv6 address is ICMPv6
            if icmp_type is None:
                icmp_type = 8 if proto == 1 else 128  # echo request
            icmp_code = 0 if icmp_code is None else icmp_code
            src_port = dst_port = None
        else:
            src_port = dst_port = None
            icmp_type = icmp_code = None
        return cls(proto, src, dst, src_port, dst_port, icmp_type, icmp_code)

    def reply(self) -> "Flow":
        """The reply's header: addresses and ports swapped; echo request becomes echo reply."""
        icmp_type = self.icmp_type
        if self.protocol == 1 and icmp_type == 8:
            icmp_type = 0
        elif self.protocol == 58 and icmp_type == 128:
            icmp_type = 129
        return replace(self, src=self.dst, dst=self.src, src_port=self.dst_port, dst_port=self.src_port,
                       icmp_type=icmp_type)

    def describe(self) -> str:
        text = f"{protocol_name(self.protocol)} {self.src}"
        if self.src_port is not None:
            text += f":{self.src_port}"
        text += f" -> {self.dst}"
        if self.dst_port is not None:
            text += f":{self.dst_port}"
        if self.icmp_type is not None:
            text += f" (type {self.icmp_type} code {self.icmp_code})"
        return text

    def to_json(self) -> dict:
        return {"protocol": protocol_name(self.protocol), "protocol_number": self.protocol,
                "src": str(self.src), "dst": str(self.dst), "src_port": self.src_port,
                "dst_port": self.dst_port, "icmp_type": self.icmp_type, "icmp_code": self.icmp_code}
