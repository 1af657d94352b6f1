"""The real published OCI responses (fixtures/reference/oci, cloud-custodian cassettes) load cleanly.

Expected values were read off the JSON by hand (see fixtures/reference/oci/README.md), not from the code.
"""

from __future__ import annotations

import json
from ipaddress import ip_network
from pathlib import Path

import pytest
from conftest import REFERENCE

from flightpath import load_snapshot

FILES = {
    "ListVcns": "TestVcn.test_get_freeform_tagged_vcn__1__20160918_vcns.json",
    "ListSubnets": "TestSubnet.test_get_freeform_tagged_subnet__1__20160918_subnets.json",
    "ListInstances": "TestInstance.test_add_defined_tag_to_instance__2__20160918_instances.json",
}


def _snapshot(root: Path, files: dict[str, str]) -> Path:
    """Write each cassette's response body, unchanged, where the collector would put it."""
    for op, name in files.items():
        cassette = json.loads((REFERENCE / name).read_text())
        assert cassette["request"]["uri"].startswith("https://iaas.us-ashburn-1.oraclecloud.com/20160918/")
        folder = root / "oci" / "tenancy" / "us-ashburn-1"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{op}.json").write_text(json.dumps(cassette["body"], indent=2))
    return root


@pytest.fixture(scope="module")
def estate(tmp_path_factory):
    return load_snapshot(_snapshot(tmp_path_factory.mktemp("oci-ref"), FILES), use_cache=False).estate


def test_the_vcn(estate):
    assert list(estate.networks) == ["ocid1.vcn.oc1..<unique_ID>"]
    vcn = estate.networks["ocid1.vcn.oc1..<unique_ID>"]
    assert vcn.ref.name == "TestVcn" and vcn.cidrs == (ip_network("10.1.0.0/16"),)
    assert vcn.main_route_table_id == "ocid1.routetable.oc1..<unique_ID>"
    assert vcn.ref.region == "us-ashburn-1" and vcn.ref.account == "tenancy"


def test_the_subnet(estate):
    sub = estate.subnets["ocid1.subnet.oc1..<unique_ID>"]
    assert sub.ref.name == "TestSubnet" and sub.cidrs == (ip_network("10.1.20.0/24"),)
    assert sub.network_id == "ocid1.vcn.oc1..<unique_ID>" and sub.zone == "NQNU:US-ASHBURN-AD-1"
    assert sub.route_table_id == "ocid1.routetable.oc1..<unique_ID>" and sub.stage is None


def test_the_instances_and_their_redacted_ids(estate):
    # ListInstances lists seven instances (jumperhost, ohsmt0, ohsui0, psmmt0, psmmt1, psmui0, psmui1) whose ids
    # were all redacted to the same OCID: one is kept, and the duplicates are named in warnings
    assert list(estate.instances) == ["ocid1.instance.oc1..<unique_ID>"]
    assert estate.instances["ocid1.instance.oc1..<unique_ID>"].name == "jumperhost"
    dupes = [w for w in estate.warnings if "listed more than once" in w]
    assert len(dupes) == 6 and all("ListInstances.json" in w for w in dupes)
    assert not [w for w in estate.warnings if "not a recognised" in w]


def test_get_instance_body_is_recognised_alone(tmp_path):
    cassette = json.loads((REFERENCE / "TestInstance.test_add_defined_tag_to_instance__12__20160918_instances_ID.json")
                          .read_text())
    folder = tmp_path / "oci" / "tenancy" / "us-ashburn-1" / "GetInstance"
    folder.mkdir(parents=True)
    (folder / "one.json").write_text(json.dumps(cassette["body"]))
    e = load_snapshot(tmp_path, use_cache=False).estate
    assert [i.name for i in e.instances.values()] == ["instance20230615123052"]
