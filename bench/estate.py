"""The layout of a synthetic AWS estate: hubs, VPCs, address plan, flags and peerings (no documents).

One transit gateway hub per (account, region); VPC i owns 10.0.0.0 + i*1024 /22 (never overlapping,
always below 10.200.0.0/16, which nothing routes). Per-VPC features follow the VPC's position j in its
hub so that even tiny estates have every feature: j == 0 is the hub's shared-services VPC, j % 5 == 1
is public (IGW, NAT, public IPs), j % 3 == 2 has a custom NACL on its db subnet (j % 6 == 5: on the
app subnets too) that denies one quarantined VPC of the hub, j % 4 == 3 has a blackhole route. About
one VPC in ten peers with a VPC of another hub. Ids are a pure function of (seed, kind, index).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2")
SIZES: dict[str, tuple[int, int, int]] = {  # accounts, regions, VPCs
    "XS": (2, 1, 8), "S": (4, 2, 100), "M": (8, 3, 1000), "L": (25, 4, 10000)}
BASE = 10 << 24  # VPC i owns 10.0.0.0 + i*1024 /22; stays below 10.200.0.0
UNALLOCATED = (10 << 24) + (200 << 16)  # 10.200.0.0/16: nothing routes it
TGW_BLACKHOLE = (10 << 24) + (250 << 16)  # hub h: 10.250.h.0/24 is a static TGW blackhole
VPC_BLACKHOLE = (10 << 24) + (252 << 16)  # VPC i: 10.252.0.0 + i*16 /28 is a blackhole route in its RTs
WEB, APP_A, APP_B, DB, TGW_A, TGW_B = range(6)
SUBNETS = ((0, 24, "a", "web"), (256, 24, "a", "app-a"), (512, 24, "b", "app-b"),
           (768, 25, "a", "db"), (992, 28, "a", "tgw-a"), (1008, 28, "b", "tgw-b"))
SG_DEFAULT, SG_WEB, SG_APP, SG_DB, SG_MGMT = range(5)
SG_NAMES = ("default", "web", "app", "db", "mgmt")
PAD_PORTS = (21, 53, 111, 389, 636, 1433, 2049, 3306, 5000, 5601, 6443, 8000, 8081, 8500, 9090, 9100,
             9200, 9300, 10250, 11211, 27017)
T0 = "2024-03-01T12:00:00.000Z"
MASK68 = (1 << 68) - 1


@dataclass(slots=True)
class Vpc:
    idx: int
    hub: int
    j: int  # position in its hub; 0 is the hub's shared-services VPC
    base: int
    public: bool
    variant: str  # "public" (0/0 -> NAT, 10/8 -> TGW), "default" (0/0 -> TGW), "ten" (10/8 -> TGW)
    nacl: int  # 0 none, 1 custom NACL on db, 2 on db and both app subnets
    quarantine: int  # VPC whose CIDR the custom NACL denies (-1: none)
    blackhole: bool
    peers: list[tuple[int, int]] = field(default_factory=list)  # (peering index, peer VPC)


@dataclass(slots=True)
class Hub:
    idx: int
    account: str
    region: str
    vpcs: range


@dataclass(slots=True)
class Plan:
    size: str
    seed: int
    hubs: list[Hub]
    vpcs: list[Vpc]


def ip(x: int) -> str:
    return f"{x >> 24}.{(x >> 16) & 255}.{(x >> 8) & 255}.{x & 255}"


def subnet_base(v: Vpc, s: int) -> int:
    return v.base + SUBNETS[s][0]


def vpc_cidr(v: Vpc) -> str:
    return f"{ip(v.base)}/22"


class Ids:
    """Deterministic AWS-looking ids: 17 hex digits, a bijection of (kind, n) salted by the seed."""

    def __init__(self, seed: int) -> None:
        self.salt = zlib.crc32(str(seed).encode()) * 0x9E3779B1

    def __call__(self, prefix: str, n: int) -> str:
        x = (((zlib.crc32(prefix.encode()) & 0xFFFF) << 40 | n) + self.salt) & MASK68
        for mult in (0xD6E8FEB86659FD93, 0x9E3779B97F4A7C15):  # odd multiply and xorshift: both bijective
            x = (x * mult) & MASK68
            x ^= x >> 31
        return f"{prefix}-{x:017x}"


def make_plan(size: str, seed: int = 1, scale: tuple[int, int, int] | None = None) -> Plan:
    """Lay out hubs, VPCs, address space, flags and peerings (cheap; no resources yet)."""
    accounts, regions, n = scale or SIZES[size]
    if n * 1024 > (200 << 16):
        raise ValueError(f"{n} VPCs do not fit below 10.200.0.0 at /22 each")
    rng = random.Random(f"{seed}:plan")
    hub_count = accounts * regions
    hubs = [Hub(h, f"{rng.randrange(10**11, 10**12):012d}", REGIONS[h % regions],
                range(h * n // hub_count, (h + 1) * n // hub_count)) for h in range(hub_count)]
    for h in hubs:  # accounts repeat across their regions
        h.account = hubs[h.idx // regions * regions].account
    vpcs: list[Vpc] = []
    for h in hubs:
        for j, i in enumerate(h.vpcs):
            public = j % 5 == 1
            variant = "public" if public else rng.choice(("default", "ten"))
            nacl = 0 if j % 3 != 2 else (2 if j % 6 == 5 else 1)
            others = [k for k in h.vpcs if k != i and k != h.vpcs[0]]
            quarantine = rng.choice(others) if nacl and others else -1
            vpcs.append(Vpc(i, h.idx, j, BASE + i * 1024, public, variant, nacl, quarantine, j % 4 == 3))
    peered = 0
    for _ in range(max(1, n // 20) * 3):
        if peered >= max(1, n // 20) or hub_count < 2:
            break
        a = vpcs[rng.randrange(n)]
        same_region = [g for g in hubs if g.region == hubs[a.hub].region and g.idx != a.hub and len(g.vpcs)]
        pool = same_region if same_region and rng.random() < 0.5 else [g for g in hubs if g.idx != a.hub]
        g = rng.choice(pool)
        if not len(g.vpcs):
            continue
        b = vpcs[rng.choice(g.vpcs)]
        if len(a.peers) >= 2 or len(b.peers) >= 2 or any(p == b.idx for _, p in a.peers):
            continue
        a.peers.append((peered, b.idx))
        b.peers.append((peered, a.idx))
        peered += 1
    return Plan(size, seed, hubs, vpcs)


