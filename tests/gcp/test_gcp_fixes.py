"""`trace --fix` on GCP: the allow goes into the tier that denied, as a gcloud command, and the flow then gets
through (https://cloud.google.com/firewall/docs/firewall-policies-rule-eval-order: a policy rule at a lower
priority number than the deny is evaluated first; VPC rules come before the implied deny ingress)."""

from __future__ import annotations

import pytest
from gcp_builder import GcpLab
from gcp_helpers import KICKSTART

from flightpath.evaluate import Query, run_query
from flightpath.model import Verdict
from flightpath.questions.fixes import Fix, NoSafeFix, apply, suggest
from flightpath.topology import Topology, load_snapshot


@pytest.fixture(scope="module")
def lab():
    return load_snapshot(KICKSTART, use_cache=False)


def fixed(topo, q: Query):
    fixes = suggest(topo, run_query(topo, q).trace)
    return fixes, run_query(Topology(apply(topo.estate, fixes)), q).trace


def test_network_policy_deny_gets_a_policy_rule_just_above_it(lab):
    (fix,), after = fixed(lab, Query("app-a", "vm-web", "tcp", 22))
    assert isinstance(fix, Fix) and fix.rule.priority == 99  # fp-kickstart's deny is rule 100
    assert fix.command == ("gcloud compute network-firewall-policies rules create 99 --firewall-policy fp-kickstart "
                           "--project kickstart-gcp-lab --global-firewall-policy --direction INGRESS --action allow "
                           "--layer4-configs tcp:22 --src-ip-ranges 10.1.1.10/32 --dest-ip-ranges 10.200.1.10/32")
    assert after.verdict is Verdict.DELIVERED


def test_implied_deny_gets_a_vpc_rule(lab):
    (fix,), after = fixed(lab, Query("vm-db", "vm-web", "tcp", 443))
    assert fix.command.startswith("gcloud compute firewall-rules create flightpath-fix-in-tcp-443 --project "
                                  "kickstart-gcp-lab --network vpc-gcp --direction INGRESS --priority 65534")
    assert after.verdict is Verdict.DELIVERED


def test_always_blocked_traffic_has_no_fix(tmp_path):
    lab = GcpLab()
    lab.network("n")
    lab.default_route("n")
    lab.subnet("s", "n", "10.9.0.0/24")
    lab.vm("mail", "s", "10.9.0.2", nat_ip="34.9.0.2")
    topo = load_snapshot(lab.write(tmp_path), use_cache=False)
    (fix,) = suggest(topo, run_query(topo, Query("mail", "8.8.8.8", "tcp", 25)).trace)
    assert isinstance(fix, NoSafeFix)  # firewalls#blockedtraffic: GCP blocks it whatever the rules say
