"""Every AWS response body AWS itself publishes (fixtures/reference/aws, copied from the awscli and botocore
packages; see its README) loads: unwrapped and written as its own file, each body must load without an
error. Bodies that are not responses flightpath reads (a `--query` projection, a nested list, an empty
`{}`, other operations) must end up as a warning, never as an error or a misread. A few normalized facts
are checked against what the documents say."""

from __future__ import annotations

import json
from ipaddress import ip_network
from pathlib import Path

import pytest

from flightpath import load_snapshot
from flightpath.model import Action, Direction, GatewayKind, TargetKind
from flightpath.snapshot import read_snapshot

REFERENCE = Path(__file__).resolve().parents[2] / "fixtures" / "reference" / "aws"

# Operations flightpath reads, and the response key each returns (EC2 API reference).
READ = {
    "describevpcs": "Vpcs", "describesubnets": "Subnets", "describeinstances": "Reservations",
    "describenetworkinterfaces": "NetworkInterfaces", "describeaddresses": "Addresses",
    "describesecuritygroups": "SecurityGroups", "describenetworkacls": "NetworkAcls",
    "describeroutetables": "RouteTables", "describeinternetgateways": "InternetGateways",
    "describeegressonlyinternetgateways": "EgressOnlyInternetGateways", "describenatgateways": "NatGateways",
    "describevpcpeeringconnections": "VpcPeeringConnections", "describetransitgateways": "TransitGateways",
    "describetransitgatewayattachments": "TransitGatewayAttachments",
    "describetransitgatewayvpcattachments": "TransitGatewayVpcAttachments",
    "describetransitgatewaypeeringattachments": "TransitGatewayPeeringAttachments",
    "describetransitgatewayroutetables": "TransitGatewayRouteTables", "describemanagedprefixlists": "PrefixLists",
    "describeprefixlists": "PrefixLists", "describevpngateways": "VpnGateways",
    "describevpnconnections": "VpnConnections", "describecustomergateways": "CustomerGateways",
    "describevpcendpoints": "VpcEndpoints", "searchtransitgatewayroutes": "Routes",
    "gettransitgatewayroutetablepropagations": "TransitGatewayRouteTablePropagations",
    "gettransitgatewayroutetableassociations": "Associations", "getmanagedprefixlistentries": "Entries",
}


def _bodies() -> list[tuple[str, str, int, object]]:
    out = []
    for path in sorted(REFERENCE.rglob("*.json")):
        if "elbv2" in path.parts:  # botocore's raw examples file: tests/aws/test_elbv2_reference.py
            continue
        wrapper = json.loads(path.read_text(encoding="utf-8"))
        if "outputs" in wrapper:
            bodies = wrapper["outputs"]
        else:
            bodies = [ex.get("output") for ex in wrapper["examples"]]
        op = wrapper["operation"].replace("_", "").lower()
        for i, body in enumerate(bodies):
            out.append((f"{path.parent.name}/{path.stem}#{i}", op, i, body))
    return out


BODIES = _bodies()


def test_the_reference_folder_is_there() -> None:
    assert len(BODIES) > 80
    assert {op for _id, op, _i, _b in BODIES} >= {"describenetworkacls", "describeroutetables",
                                                  "searchtransitgatewayroutes", "describevpcpeeringconnections"}


def _write(tmp: Path, name: str, body: object) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, indent=4), encoding="utf-8")
    return path


@pytest.mark.parametrize("body_id,op,index,body", BODIES, ids=[b[0] for b in BODIES])
def test_each_reference_body_loads(tmp_path: Path, body_id: str, op: str, index: int, body: object) -> None:
    name = f"{op}-{index}.json"
    _write(tmp_path, name, body)
    topo = load_snapshot(tmp_path, use_cache=False)  # must not raise
    docs = [d for ds in read_snapshot(tmp_path).documents.values() for d in ds]
    unrecognised = [w for w in topo.info.warnings if w.startswith(name) and "not a recognised" in w]
    is_response = op in READ and isinstance(body, dict) and READ[op] in body
    if is_response:
        assert docs and not unrecognised, f"{body_id}: a {op} response must be read"
    elif not isinstance(body, dict) or not body:
        # a --query projection (a list), an empty botocore example output
        assert not docs and len(unrecognised) == 1, f"{body_id}: must be declined with one warning"
    elif op not in READ and not docs:
        # another operation's response (CreateRoute, DescribeVpcAttribute, ...): declined with a warning
        assert len(unrecognised) == 1, f"{body_id}: must be declined with one warning"


def test_query_projections_are_declined_with_a_warning(tmp_path: Path) -> None:
    """awscli describe-security-groups.json holds only a `--query` projection; describe-instances#1 a nested
    list: neither is a response body."""
    sg = [b for b in BODIES if b[0] == "awscli-examples/describe-security-groups#0"][0][3]
    inst = [b for b in BODIES if b[0] == "awscli-examples/describe-instances#1"][0][3]
    _write(tmp_path, "sg.json", sg)
    _write(tmp_path, "inst.json", inst)
    topo = load_snapshot(tmp_path, use_cache=False)
    assert not topo.estate.rule_sets and not topo.estate.interfaces
    assert sorted(w.split(":")[0] for w in topo.info.warnings) == ["inst.json", "sg.json"]


def _body(body_id: str) -> object:
    return [b for b in BODIES if b[0] == body_id][0][3]


def _load(tmp_path: Path, files: dict[str, object]):
    for name, body in files.items():
        _write(tmp_path, name, body)
    return load_snapshot(tmp_path, use_cache=False)


def test_network_acls_normalize_to_numbered_first_match_rules(tmp_path: Path) -> None:
    """describe-network-acls: a default ACL with rules 100 allow and * (32767) deny each way, and one with
    IPv6 twins 101 / * (32768)."""
    topo = _load(tmp_path, {"acls.json": _body("awscli-examples/describe-network-acls#0")})
    rs = topo.estate.rule_sets["acl-0ea1f54ca7EXAMPLE"]
    assert rs.stateful is False and rs.network_id == "vpc-06e4ab6c6cEXAMPLE"
    inbound = [(r.priority, r.label, r.action) for r in rs.rules if r.direction is Direction.INGRESS]
    assert inbound == [(100, "100", Action.ALLOW), (32767, "*", Action.DENY)]
    assert all(r.protocol is None and r.dst_ports is None for r in rs.rules)
    v6 = topo.estate.rule_sets["acl-0e2a78e4e2EXAMPLE"]
    outbound = [(r.priority, r.label, r.action, str(r.destinations.cidrs[0])) for r in v6.rules
                if r.direction is Direction.EGRESS]
    assert outbound == [(100, "100", Action.ALLOW, "0.0.0.0/0"), (101, "101", Action.ALLOW, "::/0"),
                        (32767, "*", Action.DENY, "0.0.0.0/0"), (32768, "*", Action.DENY, "::/0")]


def test_botocore_network_acl_example(tmp_path: Path) -> None:
    topo = _load(tmp_path, {"acls.json": _body("botocore-examples/DescribeNetworkAcls#0")})
    (rs,) = topo.estate.rule_sets.values()
    assert [r.label for r in rs.rules if r.direction is Direction.INGRESS][-1] == "*"


def test_route_tables_keep_the_blackhole_nat_route(tmp_path: Path) -> None:
    """describe-route-tables: the NAT gateway route of rtb-09ba434c1bEXAMPLE is in state blackhole; the
    table is its VPC's main table; another table sends 0.0.0.0/0 to an internet gateway."""
    topo = _load(tmp_path, {"rt.json": _body("awscli-examples/describe-route-tables#0")})
    rt = topo.estate.route_tables["rtb-09ba434c1bEXAMPLE"]
    nat = [r for r in rt.routes if r.target_id == "nat-06c018cbd8EXAMPLE"][0]
    assert nat.blackhole and nat.destination == ip_network("0.0.0.0/0")
    local = [r for r in rt.routes if r.target_kind is TargetKind.LOCAL][0]
    assert local.destination == ip_network("10.0.0.0/16") and not local.blackhole
    igw = [r for r in topo.estate.route_tables["rtb-07a98f76e5EXAMPLE"].routes if r.target_id.startswith("igw-")][0]
    assert (igw.target_kind, igw.blackhole) == (TargetKind.GATEWAY, False)


def test_search_transit_gateway_routes_by_table_id_from_the_file_name(tmp_path: Path) -> None:
    """Per-resource responses carry no table id: it comes from the file name
    (SearchTransitGatewayRoutes/<tgw-rtb-id>.json)."""
    tables = _body("awscli-examples/describe-transit-gateway-route-tables#0")
    topo = _load(tmp_path, {
        "tgw-rtbs.json": tables,
        "SearchTransitGatewayRoutes/tgw-rtb-0ca78a549EXAMPLE.json": _body("awscli-examples/search-transit-gateway-routes#0"),
    })
    rt = topo.estate.route_tables["tgw-rtb-0ca78a549EXAMPLE"]
    assert not rt.missing
    assert [(str(r.destination), r.target_id, r.rank) for r in rt.routes] == [
        ("10.0.2.0/24", "tgw-attach-09b52ccdb5EXAMPLE", 0), ("10.1.0.0/24", "tgw-attach-09b52ccdb5EXAMPLE", 0)]
    other = topo.estate.route_tables["tgw-rtb-0e8f48f148EXAMPLE"]
    assert other.missing and not other.routes  # its routes were not collected: unknown, not empty


def test_managed_prefix_list_entries_by_id_from_the_file_name(tmp_path: Path) -> None:
    topo = _load(tmp_path, {
        "pls.json": _body("awscli-examples/describe-managed-prefix-lists#0"),
        "GetManagedPrefixListEntries/pl-0123456abcabcabc1.json": _body("awscli-examples/get-managed-prefix-list-entries#0"),
    })
    groups = topo.estate.address_groups
    assert groups["aws:pl:pl-0123456abcabcabc1"].cidrs == (ip_network("10.0.0.0/16"), ip_network("10.2.0.0/16"))
    assert groups["aws:pl:pl-11223344556677aab"].missing  # entries not collected: unknown


def test_aws_service_prefix_list(tmp_path: Path) -> None:
    topo = _load(tmp_path, {"pl.json": _body("awscli-examples/describe-prefix-lists#0")})
    assert topo.estate.address_groups["aws:pl:pl-63a5400a"].cidrs == (ip_network("54.231.0.0/17"),)


def test_peering_states(tmp_path: Path) -> None:
    """describe-vpc-peering-connections: an active peering routes, a pending-acceptance one does not."""
    topo = _load(tmp_path, {"pcx.json": _body("awscli-examples/describe-vpc-peering-connections#0")})
    g = topo.estate.gateways
    assert g["pcx-11122233"].kind is GatewayKind.PEERING and g["pcx-11122233"].available
    assert set(g["pcx-11122233"].network_ids) == {"vpc-1a2b3c4d", "vpc-123abc45"}
    assert not g["pcx-abababab"].available


def test_vpn_gateways_attached_and_attaching(tmp_path: Path) -> None:
    topo = _load(tmp_path, {"vgw.json": _body("awscli-examples/describe-vpn-gateways#0")})
    g = topo.estate.gateways
    assert g["vgw-f211f09b"].available and g["vgw-f211f09b"].network_ids == ("vpc-98eb5ef5",)
    assert not g["vgw-9a4cacf3"].available  # still attaching


def test_vpn_connection_tunnels(tmp_path: Path) -> None:
    """describe-vpn-connections: one tunnel DOWN, one UP: the connection is usable."""
    topo = _load(tmp_path, {"vpn.json": _body("awscli-examples/describe-vpn-connections#0")})
    link = topo.estate.vpn_links["vpn-1122334455aabbccd"]
    assert link.up and {str(i) for i in link.local_ips} == {"203.0.113.3", "203.0.113.5"}


def test_nat_gateway_interface(tmp_path: Path) -> None:
    topo = _load(tmp_path, {"nat.json": _body("awscli-examples/describe-nat-gateways#0")})
    (nat,) = [g for g in topo.estate.gateways.values() if g.kind is GatewayKind.NAT]
    (eni,) = [topo.estate.interfaces[i] for i in nat.interface_ids]
    assert eni.gateway_id == nat.ref.id and not eni.accepts_connections and eni.public_ips


def test_malformed_addresses_in_aws_examples_are_warnings(tmp_path: Path) -> None:
    """fixtures/reference/README "Known oddities": describe-instances has PrivateIpAddress "10-0-0-157";
    botocore DescribeNatGateways has PublicIp "198.11.222.333". Loading must not crash on them."""
    topo = _load(tmp_path, {"i.json": _body("awscli-examples/describe-instances#0"),
                            "n.json": _body("botocore-examples/DescribeNatGateways#0")})
    text = " ".join(topo.info.warnings)
    assert "10-0-0-157" in text and "198.11.222.333" in text


def test_all_reference_bodies_in_one_folder(tmp_path: Path) -> None:
    """The whole reference collection as one folder of dumps. AWS's examples reuse ids with different
    content (vpc-06e4ab6c6cEXAMPLE in two describe-vpcs examples): a conflicting duplicate, an error naming
    both files (issue 13), never a silent pick. Without the conflicting copies, the collection loads."""
    import pytest

    from flightpath.errors import SnapshotError

    for body_id, op, index, body in BODIES:
        _write(tmp_path, f"{body_id.replace('/', '_').replace('#', '_')}.json", body)
    with pytest.raises(SnapshotError, match="described differently in .*json") as err:
        load_snapshot(tmp_path, use_cache=False)
    assert "\n" not in str(err.value)
    for _ in range(len(BODIES)):  # drop each conflicting copy the error names, until it loads
        try:
            topo = load_snapshot(tmp_path, use_cache=False)
            break
        except SnapshotError as exc:
            Path(str(exc).split(": ", 1)[0]).unlink()
    assert topo.estate.rule_sets and topo.estate.route_tables and topo.estate.gateways
