"""OCI service gateways and Oracle Services Network labels, expanded from Oracle's public_ip_ranges.json.

Docs: https://docs.oracle.com/en-us/iaas/Content/Network/Tasks/servicegateway.htm (SGW: "Traffic leaving the VCN and
destined for a supported Oracle service ... is routed through the service gateway"; route rules and security rules
name a service CIDR label), https://docs.oracle.com/en-us/iaas/Content/General/Concepts/addressranges.htm (RANGES:
the labels' CIDRs, tags OCI / OSN / OBJECT_STORAGE per region). The ranges are tests/oci/fixtures/
public_ip_ranges.excerpt.json (a real copy's excerpt; see fixtures/README.md): us-ashburn-1 OSN 130.35.16.0/22 and
147.154.0.0/19, OSN + OBJECT_STORAGE 134.70.24.0/21 and 134.70.32.0/22, OCI 150.136.0.0/16.

  svc 10.90.0.0/16: all-sub (all-iad-services-in-oracle-services-network -> sgw, 0/0 -> nat; egress: tcp 443 to the
       label, udp 53 to it): allvm; os-sub (oci-iad-objectstorage -> sgw, 0/0 -> nat; egress: everything to
       oci-iad-objectstorage only): osvm
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import names, trace
from oci_builder import OciScenario, egress

from flightpath import load_snapshot
from flightpath.model.outcome import Verdict

RANGES = Path(__file__).parent / "fixtures" / "public_ip_ranges.excerpt.json"
ALL = "all-iad-services-in-oracle-services-network"
OS = "oci-iad-objectstorage"


def _scenario(root: Path) -> OciScenario:
    b = OciScenario(root)
    b.vcn("svc", "10.90.0.0/16")
    label = dict(destination_type="SERVICE_CIDR_BLOCK")
    b.security_list("all-sl", "svc", egress=[egress(ALL, 6, 443, **label), egress(ALL, 17, 53, **label),
                                             egress("0.0.0.0/0", 6, 443)])
    b.security_list("os-sl", "svc", egress=[egress(OS, **label)])
    b.sgw("sgw", "svc")
    b.nat("nat", "svc", "129.146.90.1")
    b.route_table("all-rt", "svc", [(ALL, b.id("servicegateway", "sgw")), ("0.0.0.0/0", b.id("natgateway", "nat"))])
    b.route_table("os-rt", "svc", [(OS, b.id("servicegateway", "sgw")), ("0.0.0.0/0", b.id("natgateway", "nat"))])
    b.subnet("all-sub", "svc", "10.90.1.0/24", "all-rt", ["all-sl"])
    b.subnet("os-sub", "svc", "10.90.2.0/24", "os-rt", ["os-sl"])
    b.instance("allvm", "all-sub", "10.90.1.10")
    b.instance("osvm", "os-sub", "10.90.2.10")
    return b


@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    root = _scenario(tmp_path_factory.mktemp("oci-osn")).write()
    shutil.copy(RANGES, root / "oci" / "public_ip_ranges.json")  # where `flightpath collect oci` saves it
    return load_snapshot(root, use_cache=False)


def test_object_storage_leaves_through_the_service_gateway(topo):
    # SGW: traffic to a supported Oracle service "is routed through the service gateway"; RANGES: 134.70.24.0/21 is
    # tagged OSN and OBJECT_STORAGE in us-ashburn-1, so it is in "All IAD Services in Oracle Services Network"
    t = trace(topo, "allvm", "134.70.24.5", port=443)
    assert t.forward.verdict is Verdict.EXITED and t.forward.hops[-1].resource.name == "sgw"
    assert "nat" not in names(t.forward)
    route = next(h.route for h in t.forward.hops if h.resource.name == "all-rt")
    assert route.destination == "134.70.24.0/21" and ALL in route.summary


def test_the_all_services_label_covers_the_osn_ranges_too(topo):
    # RANGES: 147.154.0.0/19 is tagged OSN (not OBJECT_STORAGE): in the all-services label, via the SGW
    t = trace(topo, "allvm", "147.154.0.9", port=443)
    assert t.forward.verdict is Verdict.EXITED and t.forward.hops[-1].resource.name == "sgw"


def test_an_address_outside_the_label_takes_the_other_route(topo):
    # RANGES: 150.136.0.0/16 is tagged OCI only (VCN public addresses, not the OSN): the 0/0 rule to the NAT gateway
    t = trace(topo, "allvm", "150.136.1.1", port=443)
    assert t.forward.verdict is Verdict.EXITED and "nat" in names(t.forward) and "sgw" not in names(t.forward)


def test_the_object_storage_label_is_object_storage_only(topo):
    # RANGES: oci-iad-objectstorage = the OBJECT_STORAGE ranges: 134.70.32.0/22 goes to the SGW; 147.154.0.9 (OSN only)
    # matches neither os-rt's label rule nor os-sl's only egress rule (security rules allow only what a rule
    # matches, https://docs.oracle.com/en-us/iaas/Content/Network/Concepts/securityrules.htm)
    ok = trace(topo, "osvm", "134.70.32.7", port=443)
    assert ok.forward.verdict is Verdict.EXITED and ok.forward.hops[-1].resource.name == "sgw"
    no = trace(topo, "osvm", "147.154.0.9", port=443)
    assert no.verdict is Verdict.BLOCKED and no.first_block.resource.name == "osvm-vnic"


def test_udp_to_the_oracle_services_network_crosses_the_service_gateway(topo):
    # SGW: the service gateway is a route target for the label's CIDRs, with no protocol restriction documented (the
    # TCP/ICMP-only rule is AWS's for its gateway endpoints, Reachability Analyzer
    # VPCE_GATEWAY_PROTOCOL_RESTRICTION, https://docs.aws.amazon.com/vpc/latest/reachability/explanation-codes.html)
    t = trace(topo, "allvm", "147.154.0.53", proto="udp", port=53)
    assert t.forward.verdict is Verdict.EXITED and t.forward.hops[-1].resource.name == "sgw"


def test_without_the_ranges_file_a_label_stays_unknown_and_says_why(tmp_path):
    # DESIGN rule 3: the labels' CIDRs are not in a snapshot without public_ip_ranges.json: a rule naming one cannot
    # be matched (unknown, not a deny), and its route rules are left out with a warning that says why
    topo = load_snapshot(_scenario(tmp_path).write(), use_cache=False)
    t = trace(topo, "osvm", "134.70.32.7", port=443)
    assert t.verdict is Verdict.UNKNOWN and OS in t.forward.reason and "public_ip_ranges.json" in t.forward.reason
    assert any(w.startswith(f"route {OS} ->") and "public_ip_ranges.json" in w for w in topo.estate.warnings)


def test_a_failed_download_is_named_in_the_reason(tmp_path):
    # DESIGN rule 3: "a trace that needs that data ends unknown and names the missing call"
    root = _scenario(tmp_path).write()
    (root / "manifest.json").write_text(json.dumps({
        "format": "flightpath-snapshot", "version": 1, "created_at": "2026-01-01T00:00:00+00:00", "tool_version": "t",
        "scopes": [], "errors": [{"cloud": "oci", "scope": "oracle-services-network", "operation": "GetPublicIpRanges",
                                  "params": {"url": "https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json"},
                                  "code": "URLError", "message": "no route to host"}]}))
    t = trace(load_snapshot(root, use_cache=False), "osvm", "134.70.32.7", port=443)
    assert t.verdict is Verdict.UNKNOWN and "GetPublicIpRanges failed (URLError: no route to host)" in t.forward.reason


def test_a_label_of_a_region_the_file_does_not_list(tmp_path):
    # RANGES lists regions by name; the excerpt has no eu-frankfurt-1, so all-fra-... cannot be expanded: unknown
    b = _scenario(tmp_path)
    b.route_table("fra-rt", "svc", [("all-fra-services-in-oracle-services-network", b.id("servicegateway", "sgw"))])
    b.subnet("fra-sub", "svc", "10.90.3.0/24", "fra-rt", ["all-sl"])
    b.instance("fravm", "fra-sub", "10.90.3.10")
    root = b.write()
    shutil.copy(RANGES, root / "oci" / "public_ip_ranges.json")
    topo = load_snapshot(root, use_cache=False)
    assert any("no region eu-frankfurt-1" in w for w in topo.estate.warnings)
    assert trace(topo, "fravm", "134.70.24.5", port=443).verdict is Verdict.NO_ROUTE  # its only rule is not traced
