"""Seeded trace requests for a generated estate, each with the verdict the estate was built to give.

Every case follows from the layout in bench/estate.py (which rules, routes and NACLs exist where):

delivered  same-vpc-db    app -> db 5432 in its VPC (db SG admits the app SG by reference)
           same-vpc-app   app -> app tcp 9000 in its VPC (default SG references itself)
           hub-https      any tier -> app 443 in another VPC of the hub, through the transit gateway
           hub-icmp       app -> app ICMP through the transit gateway
           peer-8443      app -> app 8443 over a VPC peering (SG reference or peer CIDR)
           shared-ssh     shared-services VPC -> app 22 (app SG admits a managed prefix list)
           web-app        web -> app 8080 in a public VPC (app SG admits the web SG)
blocked    hub-db         -> db 5432 from another VPC: no SG rule admits it
           hub-closed     -> app tcp 9999 from another VPC: no SG rule admits it
           db-egress      db -> app 22 elsewhere: the db SG's egress rules do not allow it
           nacl-rdp       -> 3389 on a subnet with a custom NACL: rule 50 denies
           nacl-quarantine  from the quarantined VPC: NACL rule 60 denies its CIDR
           nacl-smtp      app -> db tcp 25 out of an app subnet with a custom NACL: outbound rule 50 denies
no_route   cross-hub      to a VPC of another hub (not peered): the hub's TGW has no route
           unallocated    to 10.200.0.0/16: the TGW has no route
           tgw-blackhole  to 10.250.<hub>.0/24: static blackhole in the TGW route table
           vpc-blackhole  to the VPC's 10.252.x/28: a blackhole route in its own route table
           no-default     to 172.16.0.0/12 from a VPC whose only way out is 10.0.0.0/8 -> TGW
exited     nat-out        app/db in a public VPC -> 1.1.1.1:443 via the NAT gateway and the IGW
           igw-out        web (public IP) -> 8.8.8.8:443 via the IGW
"""

from __future__ import annotations

import random
from typing import Any, Callable

from estate import APP_A, APP_B, DB, TGW_BLACKHOLE, UNALLOCATED, VPC_BLACKHOLE, WEB, Plan, Vpc, ip, subnet_base

Pair = dict[str, Any]


def app_ip(v: Vpc, k: int) -> str:
    """App instance k (0-5): 0-2 in app-a, 3-5 in app-b."""
    return ip(subnet_base(v, APP_A if k < 3 else APP_B) + 10 + k % 3)


def db_ip(v: Vpc, k: int) -> str:
    return ip(subnet_base(v, DB) + 10 + k)


def web_ip(v: Vpc, k: int) -> str:
    return ip(subnet_base(v, WEB) + 10 + k)


class PairMaker:
    def __init__(self, plan: Plan, seed: int) -> None:
        self.plan, self.rng = plan, random.Random(f"{seed}:pairs")
        vs = plan.vpcs
        self.by_hub = [[vs[i] for i in h.vpcs] for h in plan.hubs]
        self.multi_hubs = [h for h in self.by_hub if len(h) >= 2]
        self.public = [v for v in vs if v.public]
        self.nacl = [v for v in vs if v.nacl]
        self.nacl_app = [v for v in vs if v.nacl == 2]
        self.quarantined = [v for v in vs if v.quarantine >= 0]
        self.blackhole = [v for v in vs if v.blackhole]
        self.ten = [v for v in vs if v.variant == "ten"]
        self.peered = [v for v in vs if v.peers]
        self.shared_hubs = [h for h in self.by_hub if len(h) >= 2]

    def app(self, v: Vpc) -> str:
        return app_ip(v, self.rng.randrange(6))

    def any_src(self, v: Vpc) -> str:
        roles = ["app", "db"] + (["web"] if v.public else [])
        role = self.rng.choice(roles)
        return {"app": lambda: self.app(v), "db": lambda: db_ip(v, self.rng.randrange(2)),
                "web": lambda: web_ip(v, self.rng.randrange(2))}[role]()

    @staticmethod
    def friendly(a: Vpc, b: Vpc) -> bool:
        """Neither VPC's NACL quarantines the other (so the forward and the return path pass)."""
        return a.quarantine != b.idx and b.quarantine != a.idx

    def hub_pair(self, friendly: bool = True) -> tuple[Vpc, Vpc] | None:
        if not self.multi_hubs:
            return None
        for _ in range(50):
            a, b = self.rng.sample(self.rng.choice(self.multi_hubs), 2)
            if not friendly or self.friendly(a, b):
                return a, b
        return None

    def pick(self, pool: list[Vpc]) -> Vpc | None:
        return self.rng.choice(pool) if pool else None

    # --- cases: each returns (src, dst, protocol, port) or None when the estate has no such case
    def same_vpc_db(self) -> tuple | None:
        v = self.pick(self.plan.vpcs)
        return self.app(v), db_ip(v, self.rng.randrange(2)), "tcp", 5432

    def same_vpc_app(self) -> tuple | None:
        v = self.pick(self.plan.vpcs)
        a, b = self.rng.sample(range(6), 2)
        return app_ip(v, a), app_ip(v, b), "tcp", 9000

    def hub_https(self) -> tuple | None:
        p = self.hub_pair()
        return p and (self.any_src(p[0]), self.app(p[1]), "tcp", 443)

    def hub_icmp(self) -> tuple | None:
        p = self.hub_pair()
        return p and (self.app(p[0]), self.app(p[1]), "icmp", None)

    def peer_8443(self) -> tuple | None:
        v = self.pick(self.peered)
        if v is None:
            return None
        w = self.plan.vpcs[self.rng.choice(v.peers)[1]]
        return (self.app(v), self.app(w), "tcp", 8443) if self.friendly(v, w) else None

    def shared_ssh(self) -> tuple | None:
        h = self.pick(self.shared_hubs)
        if h is None:
            return None
        w = self.rng.choice(h[1:])
        return (self.app(h[0]), self.app(w), "tcp", 22) if self.friendly(h[0], w) else None

    def web_app(self) -> tuple | None:
        v = self.pick(self.public)
        return v and (web_ip(v, self.rng.randrange(2)), self.app(v), "tcp", 8080)

    def hub_db(self) -> tuple | None:
        p = self.hub_pair(friendly=False)
        return p and (self.app(p[0]), db_ip(p[1], self.rng.randrange(2)), "tcp", 5432)

    def hub_closed(self) -> tuple | None:
        p = self.hub_pair(friendly=False)
        return p and (self.any_src(p[0]), self.app(p[1]), "tcp", 9999)

    def db_egress(self) -> tuple | None:
        p = self.hub_pair(friendly=False)
        return p and (db_ip(p[0], self.rng.randrange(2)), self.app(p[1]), "tcp", 22)

    def nacl_rdp(self) -> tuple | None:
        v = self.pick(self.nacl)
        if v is None:
            return None
        if v.nacl == 2 and self.rng.random() < 0.5:  # app-a -> app-b: both subnets carry the NACL
            return app_ip(v, self.rng.randrange(3)), app_ip(v, 3 + self.rng.randrange(3)), "tcp", 3389
        return self.app(v), db_ip(v, self.rng.randrange(2)), "tcp", 3389

    def nacl_quarantine(self) -> tuple | None:
        v = self.pick(self.quarantined)
        if v is None:
            return None
        q = self.plan.vpcs[v.quarantine]
        dst = (db_ip(v, self.rng.randrange(2)), 5432) if v.nacl == 1 else (self.app(v), 443)
        return self.app(q), dst[0], "tcp", dst[1]

    def nacl_smtp(self) -> tuple | None:
        v = self.pick(self.nacl_app)
        return v and (self.app(v), db_ip(v, self.rng.randrange(2)), "tcp", 25)

    def cross_hub(self) -> tuple | None:
        if len(self.plan.hubs) < 2:
            return None
        v, w = self.rng.sample(self.plan.vpcs, 2)
        if v.hub == w.hub or any(o == w.idx for _, o in v.peers):
            return None
        return self.app(v), self.app(w), "tcp", 443

    def unallocated(self) -> tuple | None:
        return self.app(self.pick(self.plan.vpcs)), ip(UNALLOCATED + self.rng.randrange(1, 65535)), "tcp", 443

    def tgw_blackhole(self) -> tuple | None:
        v = self.pick(self.plan.vpcs)
        return self.app(v), ip(TGW_BLACKHOLE + v.hub * 256 + self.rng.randrange(1, 255)), "tcp", 443

    def vpc_blackhole(self) -> tuple | None:
        v = self.pick(self.blackhole)
        return v and (self.app(v), ip(VPC_BLACKHOLE + v.idx * 16 + self.rng.randrange(1, 15)), "tcp", 443)

    def no_default(self) -> tuple | None:
        v = self.pick(self.ten)
        return v and (self.app(v), f"172.{self.rng.randrange(16, 32)}.{self.rng.randrange(256)}.10", "tcp", 443)

    def nat_out(self) -> tuple | None:
        v = self.pick(self.public)
        if v is None:
            return None
        return self.app(v) if self.rng.random() < 0.7 else db_ip(v, self.rng.randrange(2)), "1.1.1.1", "tcp", 443

    def igw_out(self) -> tuple | None:
        v = self.pick(self.public)
        return v and (web_ip(v, self.rng.randrange(2)), "8.8.8.8", "tcp", 443)


# (case, expected verdict, weight in percent)
CASES: tuple[tuple[str, str, int], ...] = (
    ("same_vpc_db", "delivered", 10), ("same_vpc_app", "delivered", 5), ("hub_https", "delivered", 10),
    ("hub_icmp", "delivered", 4), ("peer_8443", "delivered", 4), ("shared_ssh", "delivered", 4),
    ("web_app", "delivered", 3),
    ("hub_db", "blocked", 7), ("hub_closed", "blocked", 5), ("db_egress", "blocked", 5), ("nacl_rdp", "blocked", 5),
    ("nacl_quarantine", "blocked", 4), ("nacl_smtp", "blocked", 4),
    ("cross_hub", "no_route", 8), ("unallocated", "no_route", 5), ("tgw_blackhole", "no_route", 5),
    ("vpc_blackhole", "no_route", 4), ("no_default", "no_route", 3),
    ("nat_out", "exited", 3), ("igw_out", "exited", 2),
)


def make_pairs(plan: Plan, count: int = 1000) -> dict[str, Any]:
    """`count` requests drawn by the weights above (cases the estate cannot produce are skipped)."""
    maker = PairMaker(plan, plan.seed)
    names = [c for c, _, _ in CASES]
    weights = [w for _, _, w in CASES]
    expect = {c: e for c, e, _ in CASES}
    pairs: list[Pair] = []
    misses = 0
    while len(pairs) < count:
        case = maker.rng.choices(names, weights)[0]
        fn: Callable[[], tuple | None] = getattr(maker, case)
        got = fn()
        if not got:
            misses += 1
            if misses > 100 * count:
                raise RuntimeError("estate too small to draw trace pairs")
            continue
        src, dst, proto, port = got
        pairs.append({"src": src, "dst": dst, "protocol": proto, "port": port, "expect": expect[case],
                      "case": case.replace("_", "-")})
    return {"size": plan.size, "seed": plan.seed, "pairs": pairs}
