"""What the fuzzer found (each was exit 70 or named the wrong file), kept as plain examples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.inproc import cli

ROOT = Path(__file__).resolve().parents[2]
REGION = "aws/111122223333/us-east-1"
SUB = "azure/8a1c2d3e-4f50-4a6b-9c7d-0e1f2a3b4c5d"


def _nat_eni(d):
    d["NatGateways"][0]["NatGatewayAddresses"][0]["NetworkInterfaceId"] = True


def _tgw_routes(d):
    d["Routes"] = [d["Routes"]]


def _group_id(d):
    d["NetworkInterfaces"][0]["Groups"][0]["GroupId"] = False


def _eni_subnet(d):
    d["NetworkInterfaces"][2]["SubnetId"] = None  # null: as if absent (no subnet), not a crash


def _cgw_ip(d):
    d["CustomerGateways"][0]["IpAddress"] = True


def _lng_space(d):
    d[0]["localNetworkAddressSpace"] = {"addressPrefixes": True}


CASES = [
    ("kickstart-aws", f"{REGION}/DescribeNatGateways.json", _nat_eni, "NetworkInterfaceId: expected a string"),
    ("kickstart-aws", f"{REGION}/SearchTransitGatewayRoutes/tgw-rtb-08b9c0d1e2f3a0001.json", _tgw_routes,
     "tgw-rtb-08b9c0d1e2f3a0001.json: Routes[0]: expected an object, found a list"),
    ("kickstart-aws", f"{REGION}/DescribeNetworkInterfaces.json", _group_id, "GroupId: expected a string, found false"),
    ("kickstart", f"{SUB}/localNetworkGateways.json", _lng_space, "localNetworkGateways.json"),
    ("kickstart-aws", f"{REGION}/DescribeNetworkInterfaces.json", _eni_subnet, None),
    ("kickstart-aws", f"{REGION}/DescribeCustomerGateways.json", _cgw_ip, "DescribeCustomerGateways.json"),
]


@pytest.mark.parametrize("lab,rel,mutate,needle", CASES, ids=[c[2].__name__ for c in CASES])
def test_fuzz_find(tmp_path: Path, lab: str, rel: str, mutate, needle: str):
    root = tmp_path / lab
    shutil.copytree(ROOT / "fixtures" / lab, root)
    doc = json.loads((root / rel).read_text())
    mutate(doc)
    (root / rel).write_text(json.dumps(doc))
    r = cli("endpoints", "--snapshot", str(root), "--no-cache")
    if needle is None:
        assert r.code in (0, 2) and "internal error" not in r.err, r.err
        return
    assert r.code == 2 and len(r.err.strip().splitlines()) == 1 and needle in r.err, r.err
