"""One resource described twice (issue 13): identical copies merge, differing ones name both files and the id."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from flightpath import load_snapshot
from flightpath.errors import SnapshotError

LAB = Path(__file__).resolve().parents[2] / "fixtures" / "kickstart-aws"
REGION = Path("aws/111122223333/us-east-1")
ACLS = REGION / "DescribeNetworkAcls.json"


def _lab(tmp_path: Path) -> Path:
    lab = tmp_path / "lab"
    shutil.copytree(LAB, lab)
    return lab


def _acl_doc(lab: Path) -> dict:
    return json.loads((lab / ACLS).read_text())


def test_identical_copy_in_another_file_merges_silently(tmp_path: Path):
    lab = _lab(tmp_path)
    (lab / "extra").mkdir()
    shutil.copy(lab / ACLS, lab / "extra" / "acls-again.json")
    topo = load_snapshot(lab, use_cache=False)
    assert not any("acls-again" in w for w in topo.info.warnings)


def test_differing_copy_in_another_file_is_an_error_naming_both(tmp_path: Path):
    """Before issue 13 the verdict followed file-name order (zz-acls.json read last won)."""
    lab = _lab(tmp_path)
    doc = _acl_doc(lab)
    for acl in doc["NetworkAcls"]:
        for e in acl["Entries"]:
            e["RuleAction"] = "allow"
    (lab / "zz-acls.json").write_text(json.dumps(doc))
    with pytest.raises(SnapshotError) as err:
        load_snapshot(lab, use_cache=False)
    msg = str(err.value)
    assert "zz-acls.json" in msg and "DescribeNetworkAcls.json" in msg and "acl-" in msg and "\n" not in msg


def test_two_accounts_copies_that_differ_are_an_error(tmp_path: Path):
    lab = _lab(tmp_path)
    other = lab / "aws" / "444455556666" / "us-east-1"
    other.mkdir(parents=True)
    doc = _acl_doc(lab)
    doc["NetworkAcls"][0]["Entries"] = doc["NetworkAcls"][0]["Entries"][:1]
    (other / "DescribeNetworkAcls.json").write_text(json.dumps(doc))
    with pytest.raises(SnapshotError, match=doc["NetworkAcls"][0]["NetworkAclId"]):
        load_snapshot(lab, use_cache=False)


def test_two_pages_with_one_group_twice_differently(tmp_path: Path):
    lab = _lab(tmp_path)
    sgs = json.loads((lab / REGION / "DescribeSecurityGroups.json").read_text())
    page2 = copy.deepcopy(sgs)
    page2["SecurityGroups"] = page2["SecurityGroups"][:1]
    page2["SecurityGroups"][0]["IpPermissions"] = []
    (lab / REGION / "DescribeSecurityGroups-page2.json").write_text(json.dumps(page2))
    with pytest.raises(SnapshotError, match=sgs["SecurityGroups"][0]["GroupId"] + ": described differently"):
        load_snapshot(lab, use_cache=False)


def test_copies_that_differ_only_in_tags_merge_with_a_warning(tmp_path: Path):
    """Documented merge rule: Tags are per account on shared resources (collectors/aws/recognize.VIEW_KEYS)."""
    lab = _lab(tmp_path)
    other = lab / "aws" / "444455556666" / "us-east-1"
    other.mkdir(parents=True)
    subnets = json.loads((lab / REGION / "DescribeSubnets.json").read_text())
    for s in subnets["Subnets"]:
        s["Tags"] = [{"Key": "Name", "Value": "participant-view"}]
    (other / "DescribeSubnets.json").write_text(json.dumps(subnets))
    topo = load_snapshot(lab, use_cache=False)
    assert any("per-account view" in w for w in topo.info.warnings)


def test_per_resource_documents_for_one_id_that_differ(tmp_path: Path):
    lab = _lab(tmp_path)
    src = next((lab / REGION / "SearchTransitGatewayRoutes").glob("*.json"))
    body = json.loads(src.read_text())
    body["Routes"] = body["Routes"][:1]
    (lab / REGION / f"routes-{src.stem}.json").write_text(json.dumps(body))
    with pytest.raises(SnapshotError, match=src.stem + ": described differently"):
        load_snapshot(lab, use_cache=False)


def test_azure_same_arm_id_differing_is_an_error(tmp_path: Path):
    kick = Path(__file__).resolve().parents[2] / "fixtures" / "kickstart"
    lab = tmp_path / "kick"
    shutil.copytree(kick, lab)
    nsg_file = next(p for p in lab.rglob("*.json") if "networkSecurityGroups" in p.read_text()
                    and json.loads(p.read_text()) and "securityRules" in p.read_text())
    body = json.loads(nsg_file.read_text())
    items = body["value"] if isinstance(body, dict) else body
    nsg = next(i for i in items if i.get("type", "").endswith("networkSecurityGroups"))
    changed = copy.deepcopy(nsg)
    changed["id"] = changed["id"].upper()  # ARM ids are case-insensitive: the same resource
    changed.setdefault("properties", {})["securityRules"] = []
    (lab / "azure" / "stale-nsg.json").write_text(json.dumps([changed]))
    with pytest.raises(SnapshotError, match="stale-nsg.json"):
        load_snapshot(lab, use_cache=False)


KICK = Path(__file__).resolve().parents[2] / "fixtures" / "kickstart"
GCP_FIREWALLS = Path("gcp/kickstart-gcp-lab/firewalls.json")
OCI_REGION = Path("oci/ocid1.tenancy.oc1..aaaaaaaakickstartlab/us-ashburn-1")


@pytest.fixture(scope="module")
def kick_copy(tmp_path_factory) -> Path:
    lab = tmp_path_factory.mktemp("kick") / "kick"
    shutil.copytree(KICK, lab)
    return lab


def _with_extra(kick_copy: Path, tmp_path: Path, rel: Path, body) -> Path:
    lab = tmp_path / "lab"
    shutil.copytree(kick_copy, lab)
    target = lab / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(body))
    return lab


def _firewall_list(lab: Path) -> dict:
    return json.loads((lab / GCP_FIREWALLS).read_text())


def test_gcp_identical_page_in_a_second_file_merges(kick_copy: Path, tmp_path: Path):
    lab = _with_extra(kick_copy, tmp_path, GCP_FIREWALLS.with_name("firewalls-page2.json"), _firewall_list(kick_copy))
    load_snapshot(lab, use_cache=False)  # no error: the same rules twice are one set of rules


def test_gcp_same_self_link_differing_is_an_error(kick_copy: Path, tmp_path: Path):
    """Before: the GCP index kept whichever copy came first in file-name order, silently."""
    body = _firewall_list(kick_copy)
    rule = copy.deepcopy(body["items"][0])
    rule["disabled"] = not rule.get("disabled", False)
    rule["selfLink"] = rule["selfLink"].replace("/compute/v1/", "/compute/beta/")  # one resource, other API version
    lab = _with_extra(kick_copy, tmp_path, Path("gcp/kickstart-gcp-lab/aa-stale.json"),
                      {"kind": "compute#firewallList", "items": [rule]})
    with pytest.raises(SnapshotError) as err:
        load_snapshot(lab, use_cache=False)
    msg = str(err.value)
    assert "aa-stale.json" in msg and "firewalls.json" in msg and rule["name"] in msg and "\n" not in msg


def test_oci_same_ocid_differing_is_an_error(kick_copy: Path, tmp_path: Path):
    """Before: collectors/oci/index.py kept the first copy and only warned; two compartments' listings that
    disagree about one OCID are two snapshots of one resource."""
    lists = json.loads((kick_copy / OCI_REGION / "ListSecurityLists.json").read_text())
    items = lists["data"] if isinstance(lists, dict) else lists
    stale = copy.deepcopy(items[0])
    rules = "ingress-security-rules" if "ingress-security-rules" in stale else "ingressSecurityRules"
    stale[rules] = []
    lab = _with_extra(kick_copy, tmp_path, OCI_REGION / "ListSecurityLists-other-compartment.json", [stale])
    with pytest.raises(SnapshotError) as err:
        load_snapshot(lab, use_cache=False)
    msg = str(err.value)
    assert "ListSecurityLists-other-compartment.json" in msg and stale["id"] in msg and "\n" not in msg


def test_oci_identical_overlap_merges(kick_copy: Path, tmp_path: Path):
    lists = json.loads((kick_copy / OCI_REGION / "ListSecurityLists.json").read_text())
    lab = _with_extra(kick_copy, tmp_path, OCI_REGION / "ListSecurityLists-other-compartment.json", lists)
    load_snapshot(lab, use_cache=False)
