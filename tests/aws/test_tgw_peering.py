"""Issue 10.4: a TGW peering attachment that appears only in DescribeTransitGatewayAttachments (each
account lists it with its own TGW as TransitGatewayId and the far TGW as ResourceId) still joins its two
TGWs; the two accounts' listings merge (both associations kept), never overwrite.

TGWPEER https://docs.aws.amazon.com/vpc/latest/tgw/tgw-peering.html ("Transit gateway peering attachments
        do not support dynamic routing ... you must add a static route to the transit gateway route table
        that points to the peering attachment")
TGWATT  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TransitGatewayAttachment.html
RA      https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html (TGW_RTB_CANNOT_ROUTE)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_builder import AwsScenario, any_proto
from test_scenarios_aws import hops, last, load, run

from flightpath.model.outcome import Verdict

EAST, WEST = ("111122223333", "us-east-1"), ("444455556666", "eu-west-1")


def _peered(tmp_path: Path, *, east_static: bool, peering_call: bool, association_files: bool) -> AwsScenario:
    b = AwsScenario(tmp_path, account=EAST[0], region=EAST[1])
    b.tgw("tgw-east")
    b.vpc("a", "10.1.0.0/16")
    b.subnet("a-app", "a", "10.1.1.0/24")
    b.subnet("a-tgw", "a", "10.1.0.0/28")
    b.tgw_vpc_attachment("att-a", "tgw-east", "a", {"a-tgw": "10.1.0.5"})
    b.main_routes("a", [("0.0.0.0/0", "tgw-east")])
    b.sg("a-sg", "a", ingress=[any_proto(cidr="0.0.0.0/0")])
    b.instance("a1", "a-app", "10.1.1.10", sgs=["a-sg"])
    with b.scope(account=WEST[0], region=WEST[1]):
        b.tgw("tgw-west")
        b.vpc("d", "10.4.0.0/16")
        b.subnet("d-app", "d", "10.4.1.0/24")
        b.subnet("d-tgw", "d", "10.4.0.0/28")
        b.tgw_vpc_attachment("att-d", "tgw-west", "d", {"d-tgw": "10.4.0.5"})
        b.main_routes("d", [("0.0.0.0/0", "tgw-west")])
        b.sg("d-sg", "d", ingress=[any_proto(cidr="0.0.0.0/0")])
        b.instance("d1", "d-app", "10.4.1.10", sgs=["d-sg"])
    b.tgw_peering_attachment("east-west", "tgw-east", "tgw-west")
    b.tgw_route_table("rt-east", "tgw-east", associations=["att-a", "east-west"], propagations=["att-a"],
                      static=[("10.4.0.0/16", "east-west")] if east_static else [],
                      association_file=association_files)
    with b.scope(account=WEST[0], region=WEST[1]):
        b.tgw_route_table("rt-west", "tgw-west", associations=["att-d", "east-west"], propagations=["att-d"],
                          static=[("10.1.0.0/16", "east-west")], association_file=association_files)
    if not peering_call:
        b.omit("DescribeTransitGatewayPeeringAttachments", account="*", region="*")
    return b


@pytest.mark.parametrize("peering_call", [False, True])
@pytest.mark.parametrize("association_files", [False, True])
def test_peered_tgws_in_two_accounts_and_regions(tmp_path: Path, peering_call: bool, association_files: bool) -> None:
    # TGWPEER: a static route to the peering attachment on each side carries the flow both ways; the far TGW
    # looks the packet up in the table associated with the peering attachment on its side (the west
    # account's listing carries that association: it must survive the east account's listing)
    b = _peered(tmp_path, east_static=True, peering_call=peering_call, association_files=association_files)
    topo = load(b)
    att = topo.estate.attachments[b.id("east-west")]
    assert {att.router_id, att.peer_router_id} == {b.id("tgw-east"), b.id("tgw-west")}
    t = run(topo, "a1", "d1", 6, 22)
    assert t.verdict is Verdict.DELIVERED, hops(t)
    ids = [h.resource.id for h in t.forward.hops]
    assert ids.index(b.id("rt-east")) < ids.index(b.id("east-west")) < ids.index(b.id("rt-west"))
    assert last(t).resource.id == b.eni_of("d1")
    assert t.reply.verdict is Verdict.DELIVERED
    assert run(topo, "d1", "a1", 6, 22).verdict is Verdict.DELIVERED


def test_without_a_static_route_for_the_far_side_is_no_route(tmp_path: Path) -> None:
    # TGWPEER: no dynamic routing over a peering: without the static route, the east TGW table has no route
    # to 10.4.0.0/16 (RA TGW_RTB_CANNOT_ROUTE, a missing route: no_route); the west side still has its route
    b = _peered(tmp_path, east_static=False, peering_call=False, association_files=False)
    topo = load(b)
    t = run(topo, "a1", "d1", 6, 22)
    assert t.verdict is Verdict.NO_ROUTE
    assert (last(t).resource.id, last(t).code) == (b.id("rt-east"), "TGW_RTB_CANNOT_ROUTE")
    # d1 -> a1 reaches a1 (west has the static route), but a1's reply has no route back
    t = run(topo, "d1", "a1", 6, 22)
    assert t.forward.verdict is Verdict.DELIVERED and t.verdict is Verdict.NO_ROUTE
