"""DRG route conflicts: static over dynamic, then the importing attachment's type VCN > VC > IPSec > RPC.

https://www.ateam-oracle.com/oci-drgv2-and-route-conflict (Oracle's A-Team on managingDRGs.htm, "Route Conflicts"):
"Static routes always have a higher preference than dynamic routes"; among dynamic routes of equal AS_PATH "the
attachment type that imported the route is evaluated according to the following priority ...: VCN > VC > IPSec > RPC".
"""

from __future__ import annotations

from conftest import trace
from oci_builder import OciScenario, egress, ingress

from flightpath import load_snapshot
from flightpath.model.outcome import Verdict


def _two_vcns_and_a_tunnel(b: OciScenario, drg_table_rules):
    for vcn, octet in (("x", 70), ("y", 71)):
        b.vcn(vcn, f"10.{octet}.0.0/16")
        b.security_list(f"{vcn}-sl", vcn, ingress=[ingress("10.0.0.0/8")], egress=[egress("0.0.0.0/0")])
        b.route_table(f"{vcn}-rt", vcn, [("0.0.0.0/0", b.id("drg", "drg-c"))])
        b.subnet(f"{vcn}-sub", vcn, f"10.{octet}.1.0/24", f"{vcn}-rt", [f"{vcn}-sl"])
        b.instance(f"{vcn}vm", f"{vcn}-sub", f"10.{octet}.1.10")
        b.drg_vcn_attachment(f"att-{vcn}", "drg-c", vcn, drg_table="hub")
    b.drg("drg-c")
    b.cpe("onprem", "198.51.100.7")
    # the on-premises side claims y's range too (a static route of the IPSec connection)
    b.ipsec("vpn", "drg-c", "onprem", [("t1", "129.213.70.1", "UP")], static_routes=["10.71.0.0/16"])
    b.drg_ipsec_attachment("att-vpn", "drg-c", "vpn", "t1")
    b.distribution("import-all", "drg-c", [{"action": "ACCEPT", "id": "1", "priority": 1, "matchCriteria": []}])
    b.drg_route_table("hub", "drg-c", rules=drg_table_rules(b), import_distribution="import-all")
    return load_snapshot(b.write(), use_cache=False)


def _attachment_hops(t) -> list[str]:
    """The next-hop attachments the DRG route table lookups chose."""
    return [h.route.target for h in t.forward.hops if h.route is not None and "drgroutetable" in h.resource.id]


def test_a_route_from_a_vcn_attachment_beats_the_same_prefix_from_an_ipsec_attachment(tmp_path):
    # derived table (no ListDrgRouteRules): both attachments' prefixes are imported (MATCH_ALL); VCN > IPSec
    topo = _two_vcns_and_a_tunnel(OciScenario(tmp_path), lambda b: None)
    t = trace(topo, "xvm", "yvm", port=22)
    assert t.verdict is Verdict.DELIVERED, t.forward.reason
    assert _attachment_hops(t)[0].endswith("att-y")


def test_a_static_drg_rule_beats_a_dynamic_one_of_the_same_prefix(tmp_path):
    # ListDrgRouteRules with a STATIC rule to the IPSec attachment and a DYNAMIC one (from VCN y) for 10.71.0.0/16,
    # neither marked isConflict: the static rule is used, so the packet leaves for on-premises, not for y
    def rules(b):
        return [b.drg_rule("10.70.0.0/16", "att-x", "DYNAMIC", "VCN"),
                b.drg_rule("10.71.0.0/16", "att-y", "DYNAMIC", "VCN"),
                b.drg_rule("10.71.0.0/16", "att-vpn", "STATIC", "STATIC")]
    topo = _two_vcns_and_a_tunnel(OciScenario(tmp_path), rules)
    t = trace(topo, "xvm", "10.71.1.10", port=22)
    assert _attachment_hops(t)[0].endswith("att-vpn"), [(h.resource.id, h.reason) for h in t.forward.hops]
    assert t.verdict is not Verdict.DELIVERED
