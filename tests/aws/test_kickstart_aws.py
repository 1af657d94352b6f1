"""The seven expected outcomes of fixtures/kickstart-aws/README.md, with the hops and blockers AWS's
documented behaviour gives (SGs stateful, union of allows; NACLs stateless, first match by rule number;
TGW lookup in the table associated with the entry attachment; NAT gateway and IGW translate sources)."""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path

import pytest

from flightpath import load_snapshot
from flightpath.evaluate.tracing import trace
from flightpath.model.flow import Flow
from flightpath.model.outcome import Check, Trace, Verdict
from flightpath.topology.endpoints import resolve

KICKSTART = Path(__file__).resolve().parents[2] / "fixtures" / "kickstart-aws"

APP_A_ENI = "eni-0f6a7b8c9d0e10021"
DB_B_ENI = "eni-0f6a7b8c9d0e10031"
BASTION_ENI = "eni-0f6a7b8c9d0e10011"
SPOKE_B_DB = "subnet-0b2c3d4e5f6a70031"
DB_ACL = "acl-0d4e5f6a7b8c90031"
SPOKES_RT = "tgw-rtb-08b9c0d1e2f3a0001"
NAT = "nat-03c4d5e6f7a8b0001"
IGW = "igw-02b3c4d5e6f7a0001"
VPN = "vpn-09c0d1e2f3a4b0001"


@pytest.fixture(scope="module")
def topo():
    return load_snapshot(KICKSTART, use_cache=False)


def run(topo, src: str, dst: str, proto: int | None, port: int | None = None, **kw) -> Trace:
    s = resolve(topo, src, "source")
    d = resolve(topo, dst, "destination", version=s.address.version, from_internet=s.kind == "internet")
    return trace(topo, Flow.build(proto, s.address, d.address, dst_port=port), source=s, **kw)


def ids(t: Trace, reply: bool = False) -> list[str]:
    return [h.resource.id for h in (t.reply if reply else t.forward).hops]


def test_the_lab_loads_cleanly(topo) -> None:
    assert topo.info.warnings == []
    assert len(topo.estate.networks) == 3 and len(topo.estate.instances) == 3


def test_1_app_a_to_db_b_postgres_is_delivered(topo) -> None:
    t = run(topo, "app-a", "db-b", 6, 5432)
    assert t.verdict is Verdict.DELIVERED and t.reply.verdict is Verdict.DELIVERED
    assert t.blockers == []
    tgw = [h for h in t.forward.hops if h.resource.id == SPOKES_RT][0]
    assert (tgw.route.destination, tgw.route.target) == ("10.2.0.0/16", "tgw-attach-07a8b9c0d1e2f0003")
    acl_in = [h for h in t.forward.hops if h.resource.id == SPOKE_B_DB and h.check is Check.INGRESS_FILTER][0]
    assert (acl_in.rule.resource.id, acl_in.rule.label) == (DB_ACL, "100")
    sg_in = [h for h in t.forward.hops if h.resource.id == DB_B_ENI and h.check is Check.INGRESS_FILTER][0]
    assert sg_in.rule.resource.id == "sg-0e5f6a7b8c9d00031"
    # the stateless reply: spoke-b-db-acl outbound 100 allows tcp 1024-65535 to 10.0.0.0/8 (port 49152)
    acl_out = [h for h in t.reply.hops if h.resource.id == SPOKE_B_DB and h.check is Check.EGRESS_FILTER][0]
    assert (acl_out.rule.label, acl_out.packet.dst_port) == ("100", 49152)
    assert t.reply.hops[-1].resource.id == APP_A_ENI


@pytest.mark.parametrize("all_blockers", [False, True])
def test_2_app_a_to_db_b_ssh_is_blocked_by_nacl_rule_110(topo, all_blockers: bool) -> None:
    t = run(topo, "app-a", "db-b", 6, 22, all_blockers=all_blockers)
    assert t.verdict is Verdict.BLOCKED
    h = t.first_block
    assert (h.resource.id, h.check, h.code) == (SPOKE_B_DB, Check.INGRESS_FILTER, "SUBNET_ACL_RESTRICTION")
    assert (h.rule.resource.id, h.rule.label, h.rule.action) == (DB_ACL, "110", "deny")
    # db-b-sg alone would allow it: the NACL is the only blocker
    assert len(t.blockers) == 1


def test_3_app_a_to_the_internet_exits_through_nat_and_igw(topo) -> None:
    t = run(topo, "app-a", "8.8.8.8", 6, 443)
    assert t.verdict is Verdict.EXITED
    path = ids(t)
    assert path.index(SPOKES_RT) < path.index(NAT) < path.index(IGW)
    tgw = [h for h in t.forward.hops if h.resource.id == SPOKES_RT][0]
    assert (tgw.route.destination, tgw.route.target) == ("0.0.0.0/0", "tgw-attach-07a8b9c0d1e2f0001")
    nat = [h for h in t.forward.hops if h.resource.id == NAT and h.check is Check.NAT][0]
    assert nat.packet.src == ip_address("10.0.0.5")
    assert t.forward.hops[-1].packet.src == ip_address("3.210.10.5")
    assert t.reply.verdict is Verdict.DELIVERED
    assert t.reply.hops[-1].resource.id == APP_A_ENI and t.reply.hops[-1].packet.dst == ip_address("10.1.1.10")


def test_4_admin_office_to_bastion_ssh_is_delivered(topo) -> None:
    t = run(topo, "198.51.100.7", "3.210.10.10", 6, 22)
    assert t.verdict is Verdict.DELIVERED
    nat = [h for h in t.forward.hops if h.resource.id == IGW and h.check is Check.NAT][0]
    assert nat.packet.dst == ip_address("10.0.0.10")
    sg = [h for h in t.forward.hops if h.resource.id == BASTION_ENI and h.check is Check.INGRESS_FILTER][0]
    assert sg.rule.resource.id == "sg-0e5f6a7b8c9d00011"
    assert t.reply.verdict is Verdict.EXITED
    assert t.reply.hops[-1].packet.src == ip_address("3.210.10.10")


def test_5_other_internet_host_to_bastion_is_blocked_by_bastion_sg(topo) -> None:
    t = run(topo, "203.0.113.50", "3.210.10.10", 6, 22)
    assert t.verdict is Verdict.BLOCKED
    h = t.first_block
    assert (h.resource.id, h.check, h.code) == (BASTION_ENI, Check.INGRESS_FILTER, "ENI_SG_RULES_MISMATCH")
    assert h.rule.resource.id == "sg-0e5f6a7b8c9d00011" and h.rule.label == "implicit deny"


@pytest.mark.parametrize("proto,port", [(None, None), (6, 443), (1, None)])
def test_6_blackholed_range_is_no_route(topo, proto, port) -> None:
    t = run(topo, "app-a", "10.99.0.5", proto, port)
    assert t.verdict is Verdict.NO_ROUTE
    h = t.forward.hops[-1]
    assert (h.resource.id, h.code, h.route.destination) == (SPOKES_RT, "TGW_RTB_BAD_STATE_ROUTE", "10.99.0.0/16")


def test_7_on_premises_exits_over_the_vpn(topo) -> None:
    t = run(topo, "app-a", "172.16.5.5", 6, 443)
    assert t.verdict is Verdict.EXITED
    tgw = [h for h in t.forward.hops if h.resource.id == SPOKES_RT][0]
    assert (tgw.route.destination, tgw.route.target) == ("172.16.0.0/12", "tgw-attach-07a8b9c0d1e2f0004")
    assert (t.forward.hops[-1].resource.id, t.forward.hops[-1].check) == (VPN, Check.EXIT)
    assert t.reply.verdict is Verdict.DELIVERED
