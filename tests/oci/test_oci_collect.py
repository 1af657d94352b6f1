"""`flightpath collect oci`: the real oci SDK against wire JSON served on 127.0.0.1 (tests/oci/oci_wire.py).

Request signing uses a throwaway RSA key generated here. Paging through `opc-next-page`, a 401, a 404, a 429 that
is retried, the raw bodies written unchanged, failures in the manifest and `unknown` at trace time, exit code 3.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import oci
import pytest
from conftest import KICKSTART, trace
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flightpath.collectors.oci import fetch
from flightpath.collectors.oci.collect_types import OciCollectOptions
from flightpath.collectors.oci.operations import ALLOWED, CHILD_OPS, COMPARTMENT_OPS, GRANDCHILD_OPS, policy
from oci_wire import OciWire

from flightpath import load_snapshot
from flightpath.model.outcome import Verdict

TENANCY = "ocid1.tenancy.oc1..aaaaaaaakickstartlab"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaakickstartnetwork00000000000000000000000000000000"
DATA = KICKSTART / "oci" / TENANCY / "us-ashburn-1"
NSG = "ocid1.networksecuritygroup.oc1.iad.aaaaaaaakslabapp"


@pytest.fixture(scope="module")
def key_pem(tmp_path_factory) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("oci-key") / "key.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    return path


def _config_file(tmp: Path, key: Path) -> Path:
    cfg = tmp / "oci-config"
    cfg.write_text(f"[DEFAULT]\nuser=ocid1.user.oc1..test\nfingerprint=11:22:33:44:55:66:77:88:99:00:aa:bb:cc:dd:ee:ff\n"
                   f"tenancy={TENANCY}\nregion=us-ashburn-1\nkey_file={key}\n")
    return cfg


def _options(tmp: Path, key: Path, wire: OciWire) -> OciCollectOptions:
    return OciCollectOptions(out=tmp / "snap", config_file=str(_config_file(tmp, key)), compartments=(COMPARTMENT,),
                             endpoint=wire.endpoint, retry_base_sleep=0.01, max_retries=3, read_timeout=5, workers=2,
                             public_ip_ranges_url=wire.ranges_url)


def test_the_allow_list_is_read_only_and_exists_in_the_sdk():
    clients = {"network": oci.core.VirtualNetworkClient, "compute": oci.core.ComputeClient,
               "identity": oci.identity.IdentityClient}
    ops = list(COMPARTMENT_OPS) + [op for op, _k in CHILD_OPS + GRANDCHILD_OPS]
    assert {op.method for op in ops} <= ALLOWED
    for method in ALLOWED:
        assert method.startswith(("list_", "get_")), method
    for op in ops:
        assert inspect.isfunction(getattr(clients[op.client], op.method)), op.method
    # fetch.py is the only module that imports the SDK
    root = Path(fetch.__file__).parent
    importers = []
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            if any(n == "oci" or n.startswith("oci.") for n in names):
                importers.append(path.name)
    assert sorted(set(importers)) == ["fetch.py"]


def test_collect_pages_retries_and_writes_the_raw_bodies(tmp_path, key_pem):
    with OciWire(DATA, page_size=1) as wire:
        wire.failures["/20160918/subnets"] = [429, 429]  # throttled twice, then served
        summary = fetch.collect(_options(tmp_path, key_pem, wire))
        assert not wire.unsigned  # every request was signed with the throwaway key
    assert summary.failed == 0 and summary.calls > 20
    assert wire.requests.count("/20160918/subnets") >= 4  # 2 x 429, then two pages
    assert wire.requests.count("/20160918/instances") == 2  # two instances, one per page: paged
    out = tmp_path / "snap" / "oci" / TENANCY / "us-ashburn-1"
    for name in ("ListVcns.json", "ListSubnets.json", "ListInstances.json", f"GetVnic/{'ocid1.vnic.oc1.iad.aaaaaaaakslabweb'}.json",
                 f"ListNetworkSecurityGroupSecurityRules/{NSG}.json"):
        assert json.loads((out / name).read_text()) == json.loads((DATA / name).read_text()), name
    manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert manifest["errors"] == [] and manifest["scopes"][0]["compartments"] == [COMPARTMENT]
    e = load_snapshot(tmp_path / "snap", use_cache=False).estate
    assert sorted(i.instance.name for i in e.interfaces.values()) == ["oci-app", "oci-web"]
    assert {t.ref.name for t in e.route_tables.values()} >= {"rt-web", "rt-app"}


def test_failures_go_to_the_manifest_and_the_trace_ends_unknown(tmp_path, key_pem):
    with OciWire(DATA, page_size=50) as wire:
        wire.failures["/20160918/cpes"] = 401
        wire.failures[f"/20160918/networkSecurityGroups/{NSG}/securityRules"] = 404
        summary = fetch.collect(_options(tmp_path, key_pem, wire))
    assert summary.failed == 2
    errors = json.loads((tmp_path / "snap" / "manifest.json").read_text())["errors"]
    assert {(e["operation"], e["code"]) for e in errors} == {
        ("ListCpes", "401 NotAuthenticated"), ("ListNetworkSecurityGroupSecurityRules", "404 NotAuthorizedOrNotFound")}
    nsg_error = next(e for e in errors if e["operation"] == "ListNetworkSecurityGroupSecurityRules")
    assert nsg_error["params"]["resource_id"] == NSG and nsg_error["scope"].endswith(COMPARTMENT)
    t = trace(load_snapshot(tmp_path / "snap", use_cache=False), "oci-web", "oci-app", port=443)
    assert t.verdict is Verdict.UNKNOWN
    assert "ListNetworkSecurityGroupSecurityRules failed (404 NotAuthorizedOrNotFound" in t.forward.reason


def test_tenancy_and_all_regions(tmp_path, key_pem):
    with OciWire(DATA, page_size=50) as wire:
        options = _options(tmp_path, key_pem, wire)
        options.compartments, options.tenancy, options.regions = (), True, ("all",)
        summary = fetch.collect(options)
    assert summary.failed == 0 and sorted(summary.scopes) == ["us-ashburn-1/ocid1.compartment.oc1..child",
                                                              f"us-ashburn-1/{TENANCY}"]
    scopes = json.loads((tmp_path / "snap" / "manifest.json").read_text())["scopes"]
    assert scopes == [{"cloud": "oci", "tenancy": TENANCY, "region": "us-ashburn-1",
                       "compartments": [TENANCY, "ocid1.compartment.oc1..child"]}]  # READY regions, ACTIVE compartments
    vcns = json.loads((tmp_path / "snap" / "oci" / TENANCY / "us-ashburn-1" / "ListVcns.json").read_text())
    assert len(vcns) == 1  # listed by both compartments here; merged by id


def test_a_timeout_is_recorded_not_fatal(tmp_path, key_pem):
    with OciWire(DATA, page_size=50) as wire:
        wire.failures["/20160918/natGateways"] = 2.0
        options = _options(tmp_path, key_pem, wire)
        options.read_timeout, options.max_retries = 0.5, 0
        summary = fetch.collect(options)
    errors = json.loads((tmp_path / "snap" / "manifest.json").read_text())["errors"]
    assert summary.failed == 1 and [e["operation"] for e in errors] == ["ListNatGateways"]
    assert errors[0]["code"] in ("RequestError", "ConnectionError")
    assert not (tmp_path / "snap" / "oci" / TENANCY / "us-ashburn-1" / "ListNatGateways.json").exists()


def test_the_cli_exits_3_when_calls_failed(tmp_path, key_pem):
    with OciWire(DATA, page_size=50) as wire:
        wire.failures["/20160918/cpes"] = 401
        p = subprocess.run([sys.executable, "-m", "flightpath.cli", "collect", "oci", "--out", str(tmp_path / "snap"),
                            "--config-file", str(_config_file(tmp_path, key_pem)), "--compartment", COMPARTMENT,
                            "--endpoint", wire.endpoint, "--max-retries", "0"], capture_output=True, text=True,
                           timeout=120, env=dict(os.environ, FLIGHTPATH_OCI_PUBLIC_IP_RANGES_URL=wire.ranges_url))
    assert p.returncode == 3, p.stderr
    assert "ListCpes" in p.stderr and "Traceback" not in p.stderr
    assert (tmp_path / "snap" / "manifest.json").is_file()


def test_a_bad_config_is_one_line_and_exit_2(tmp_path):
    p = subprocess.run([sys.executable, "-m", "flightpath.cli", "collect", "oci", "--out", str(tmp_path / "snap"),
                        "--config-file", str(tmp_path / "missing-config")], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, FLIGHTPATH_OCI_PUBLIC_IP_RANGES_URL=""))
    assert p.returncode == 2 and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_permissions_print_the_iam_policy():
    assert policy()[:2] == ["Allow group flightpath-readers to read virtual-network-family in tenancy",
                            "Allow group flightpath-readers to read instance-family in tenancy"]
    narrow = policy("netops", ["prod"], narrow=True)
    assert "Allow group netops to read network-security-groups in compartment prod" in narrow
    assert all(line.startswith("Allow group netops to read ") for line in narrow)
    p = subprocess.run([sys.executable, "-m", "flightpath.cli", "permissions", "oci"], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0 and p.stdout.splitlines()[0] == policy()[0]
    assert "corepolicyreference.htm" in p.stderr


def test_oracles_public_ip_ranges_are_saved_into_the_snapshot(tmp_path, key_pem):
    # https://docs.oracle.com/en-us/iaas/Content/General/Concepts/addressranges.htm: the Oracle Services Network
    # ranges are "published to a JSON file which you can download"; the collector saves it unchanged (plain GET,
    # not signed: a public file) and the snapshot then knows the labels' CIDRs
    with OciWire(DATA, page_size=50) as wire:
        summary = fetch.collect(_options(tmp_path, key_pem, wire))
    assert summary.failed == 0 and wire.requests.count("/tools/public_ip_ranges.json") == 1
    saved = json.loads((tmp_path / "snap" / "oci" / "public_ip_ranges.json").read_text())
    assert saved == json.loads((Path(__file__).parent / "fixtures" / "public_ip_ranges.excerpt.json").read_text())
    topo = load_snapshot(tmp_path / "snap", use_cache=False)
    assert not any("public_ip_ranges" in w for w in topo.estate.warnings)


def test_a_failed_public_ip_ranges_download_is_in_the_manifest_not_fatal(tmp_path, key_pem):
    # DESIGN rule 3: a failed read is recorded and named where it matters; the rest of the snapshot is written
    with OciWire(DATA, page_size=50) as wire:
        wire.failures["/tools/public_ip_ranges.json"] = 404
        summary = fetch.collect(_options(tmp_path, key_pem, wire))
    assert summary.failed == 1 and "GetPublicIpRanges" in summary.failures[0]
    errors = json.loads((tmp_path / "snap" / "manifest.json").read_text())["errors"]
    assert [(e["operation"], e["code"]) for e in errors] == [("GetPublicIpRanges", "HTTP 404")]
    assert not (tmp_path / "snap" / "oci" / "public_ip_ranges.json").exists()
    assert (tmp_path / "snap" / "oci" / TENANCY / "us-ashburn-1" / "ListVcns.json").is_file()
