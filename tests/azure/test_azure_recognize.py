"""Recognising Azure documents by content, and reading both wire shapes (REST nested, az CLI flattened)."""

from __future__ import annotations

import json
from ipaddress import ip_address
from pathlib import Path

import pytest
from flightpath.collectors.azure import recognize as K
from flightpath.collectors.azure.recognize import recognize

from flightpath import load_snapshot

SUB = "11111111-2222-4333-8444-555555555555"
BASE = f"/subscriptions/{SUB}/resourceGroups/rg-a/providers/Microsoft.Network"
VNET = {"id": f"{BASE}/virtualNetworks/v1", "name": "v1", "type": "Microsoft.Network/virtualNetworks",
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                                 "subnets": [{"id": f"{BASE}/virtualNetworks/v1/subnets/s1", "name": "s1",
                                                              "properties": {"addressPrefix": "10.0.1.0/24"}}]}}


def rec(body, rel="azure/x.json"):
    return recognize(body, Path(rel), Path("/snap") / rel)


@pytest.mark.parametrize("body", [VNET, [VNET], {"value": [VNET]}, {"value": [VNET], "nextLink": None}])
def test_single_list_and_value_page(body):
    (doc,) = rec(body, f"azure/{SUB}/vnets.json")
    assert doc.cloud == "azure" and doc.kind == K.VNET and len(doc.body) == 1
    assert doc.scope == {"subscription": SUB}


def test_type_is_case_insensitive_and_inferred_from_the_id():
    lower = dict(VNET, type="microsoft.network/VIRTUALNETWORKS")
    assert rec(lower)[0].kind == K.VNET
    typeless = {"id": f"{BASE}/virtualNetworks/v1/subnets/s1", "name": "s1", "properties": {"addressPrefix": "10.0.1.0/24"}}
    assert rec(typeless)[0].kind == K.SUBNET
    rcg = {"id": f"{BASE}/firewallPolicies/p/ruleCollectionGroups/g", "properties": {"priority": 100}}
    assert rec(rcg)[0].kind == K.RULE_COLLECTION_GROUP


def test_mixed_list_and_unsupported_types(tmp_path):
    storage = {"id": f"/subscriptions/{SUB}/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/st1",
               "type": "Microsoft.Storage/storageAccounts", "name": "st1"}
    docs = rec([VNET, storage])
    assert sorted(d.kind for d in docs) == sorted([K.VNET, K.UNSUPPORTED])
    (tmp_path / "all.json").write_text(json.dumps([VNET, storage]))
    topo = load_snapshot(tmp_path, use_cache=False)
    assert any("Microsoft.Storage/storageAccounts" in w for w in topo.estate.warnings)
    assert len(topo.estate.networks) == 1


@pytest.mark.parametrize("body", [
    {"SecurityGroups": []}, {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]},
    {"kind": "compute#firewallList", "id": "projects/p/global/firewalls", "items": []},
    {"data": [{"id": "ocid1.vcn.oc1.iad.aaaa", "cidr-block": "10.0.0.0/16"}]},
    {"id": "ocid1.vcn.oc1.iad.aaaa", "cidrBlock": "10.0.0.0/16"},
    {"id": 12345, "name": "x"}, {"value": [{"name": "no id"}]}, [1, 2], {}, [],
])
def test_other_clouds_and_unknown_shapes_are_not_claimed(body):
    assert rec(body) is None


def test_aws_fixture_is_not_claimed():
    root = Path(__file__).resolve().parents[2] / "fixtures" / "kickstart" / "aws"
    files = sorted(root.rglob("*.json"))
    assert files
    for f in files:
        assert rec(json.loads(f.read_text()), f.relative_to(root.parent).as_posix()) is None, f


EFFECTIVE = [{"source": "Default", "state": "Active", "addressPrefix": ["10.0.0.0/16"], "nextHopIpAddress": [],
              "nextHopType": "VnetLocal"}]


@pytest.mark.parametrize("body", [{"value": EFFECTIVE}, {"value": EFFECTIVE, "nextLink": None}, EFFECTIVE])
def test_effective_routes_take_the_nic_from_the_path(body):
    (doc,) = rec(body, f"azure/{SUB}/EffectiveRoutes/vm1-nic.json")
    assert doc.kind == K.EFFECTIVE_ROUTES and doc.resource_id == f"azure/{SUB}/EffectiveRoutes/vm1-nic"
    (empty,) = rec({"value": []}, f"azure/{SUB}/EffectiveRoutes/vm1-nic.json")
    assert empty.kind == K.EFFECTIVE_ROUTES


def test_empty_lists_are_claimed_only_when_the_file_names_the_kind():
    assert rec({"value": []}, f"azure/{SUB}/natGateways.json")[0].kind == K.NAT_GATEWAY
    assert rec([], f"azure/{SUB}/networkSecurityGroups.json")[0].kind == K.NSG
    assert rec([], f"azure/{SUB}/whatever.json") is None
    assert rec([], "gcp/my-project/routes.json") is None  # another cloud's empty list of the same name
    assert rec([], "routes.json") is None


def _nic(name: str, rg: str, ip: str, *, flattened: bool) -> dict:
    base = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network"
    ipconf = {"privateIPAddress" if not flattened else "privateIpAddress": ip,
              "subnet": {"id": f"{BASE}/virtualNetworks/v1/subnets/s1"}}
    nic = {"id": f"{base}/networkInterfaces/{name}", "name": name, "type": "Microsoft.Network/networkInterfaces",
           "location": "westeurope"}
    if flattened:  # az CLI (older SDK names): properties flattened, camel-cased ...Ip... keys
        nic.update({"enableIpForwarding": True, "resourceGroup": rg,
                    "ipConfigurations": [{"name": "ipconfig1", "id": f"{base}/networkInterfaces/{name}/ipConfigurations/ipconfig1",
                                          "resourceGroup": rg, **ipconf}]})
    else:
        nic["properties"] = {"enableIPForwarding": True, "ipConfigurations": [
            {"name": "ipconfig1", "id": f"{base}/networkInterfaces/{name}/ipConfigurations/ipconfig1", "properties": ipconf}]}
    return nic


def test_az_cli_flattened_shape_reads_like_rest(tmp_path):
    """The az CLI prints properties flattened (and older versions `privateIpAddress`); the result is the same."""
    for shape, flattened in (("rest", False), ("cli", True)):
        root = tmp_path / shape
        (root / "azure" / SUB).mkdir(parents=True)
        (root / "azure" / SUB / "vnets.json").write_text(json.dumps([VNET]))
        (root / "azure" / SUB / "nics.json").write_text(json.dumps([_nic("n1", "rg-a", "10.0.1.4", flattened=flattened)]))
        nic = next(iter(load_snapshot(root, use_cache=False).estate.interfaces.values()))
        assert nic.private_ips == (ip_address("10.0.1.4"),) and nic.forwards
        assert nic.subnet_id == f"{BASE}/virtualNetworks/v1/subnets/s1".lower()


def test_effective_routes_matched_by_nic_name_and_resource_group(tmp_path):
    """Two NICs named `app-nic` in two resource groups: a folder named after the group picks one; a bare name
    is ambiguous (warned and ignored)."""
    d = tmp_path / "azure" / SUB
    (d / "rg-b" / "EffectiveRoutes").mkdir(parents=True)
    (d / "vnets.json").write_text(json.dumps([VNET]))
    (d / "nics.json").write_text(json.dumps([_nic("app-nic", "rg-a", "10.0.1.4", flattened=False),
                                             _nic("app-nic", "rg-b", "10.0.1.5", flattened=False),
                                             _nic("db-nic", "rg-a", "10.0.1.6", flattened=False)]))
    (d / "rg-b" / "EffectiveRoutes" / "app-nic.json").write_text(json.dumps({"value": EFFECTIVE}))
    (d / "EffectiveRoutes").mkdir()
    (d / "EffectiveRoutes" / "app-nic.json").write_text(json.dumps({"value": EFFECTIVE}))
    (d / "effective-routes-of-db-nic.json").write_text(json.dumps({"value": EFFECTIVE}))
    e = load_snapshot(tmp_path, use_cache=False).estate
    with_tables = sorted(k.split("/resourcegroups/")[1] for k, i in e.interfaces.items() if i.route_table_id)
    assert with_tables == ["rg-a/providers/microsoft.network/networkinterfaces/db-nic",
                           "rg-b/providers/microsoft.network/networkinterfaces/app-nic"]
    assert any("several NICs have that name" in w for w in e.warnings)
