"""Issue 10.7: ARM ids without /subscriptions/<id> are accepted and normalised (with a warning); an
`unknown` verdict is labelled "(undetermined)", never "(not reachable)", in the text and markdown views.

ARM resource ids: https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
(every resource id is /subscriptions/{id}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from azure_builder import SUBSCRIPTION, AzureScenario, rule
from rich.console import Console

from flightpath import load_snapshot
from flightpath.evaluate.tracing import Query, run_query
from flightpath.model.outcome import Verdict
from flightpath.report import markdown
from flightpath.report.terminal import render


def _lab(tmp_path: Path) -> AzureScenario:
    b = AzureScenario(tmp_path)
    b.vnet("vnet1", "10.0.0.0/16")
    b.subnet("app", "vnet1", "10.0.1.0/24", nsg="nsg-app")
    b.nsg("nsg-app", [rule("allow-ssh", 100, "Inbound", "Allow", "Tcp", src="10.0.0.0/16", ports="22"),
                      rule("deny-in", 200, "Inbound", "Deny"),
                      rule("allow-storage", 100, "Outbound", "Allow", "Tcp", dst="Storage.WestEurope", ports="443")])
    b.vm("vm1", "app", "10.0.1.4")
    b.vm("vm2", "app", "10.0.1.5")
    return b


def _strip_subscription(root: Path, *, keep_folder: bool = True) -> int:
    n = 0
    for f in root.rglob("*.json"):
        text = f.read_text()
        new, k = re.subn(r"/subscriptions/" + SUBSCRIPTION + r"(?=/resourceGroups/)", "", text, flags=re.I)
        n += k
        f.write_text(new)
    return n


def test_ids_without_subscription_prefix_are_normalised_with_a_warning(tmp_path: Path) -> None:
    b = _lab(tmp_path)
    root = b.write()
    full = run_query(load_snapshot(root, use_cache=False), Query("vm1", "vm2", "tcp", 22)).trace
    assert full.verdict is Verdict.DELIVERED
    assert _strip_subscription(root) > 10
    topo = load_snapshot(root, use_cache=False)
    t = run_query(topo, Query("vm1", "vm2", "tcp", 22)).trace
    # the same answer as with full ids: the NSG rule admits 22 from the VNet
    assert t.verdict is Verdict.DELIVERED
    assert [h.resource.id.lower() for h in t.forward.hops] == [h.resource.id.lower() for h in full.forward.hops]
    assert any("without /subscriptions/<id>" in w and SUBSCRIPTION in w for w in topo.estate.warnings)
    assert run_query(topo, Query("vm1", "vm2", "tcp", 23)).trace.verdict is Verdict.BLOCKED


def test_unknown_is_labelled_undetermined(tmp_path: Path) -> None:
    b = _lab(tmp_path)
    b.vm("vm3", "app", "10.0.1.6", public_ip="pip3")
    b.public_ip("pip3", "20.10.0.3")
    topo = load_snapshot(b.write(), use_cache=False)
    # a service tag's addresses are not in the snapshot: the rule cannot be decided (unknown, not unreachable)
    result = run_query(topo, Query("vm3", "20.60.0.10", "tcp", 443))
    assert result.trace.verdict is Verdict.UNKNOWN
    md = markdown(result, topo.info)
    assert "(undetermined)" in md and "not reachable" not in md
    console = Console(file=io.StringIO(), width=200)
    render(result, topo.info, console)
    out = console.file.getvalue()
    assert "(undetermined)" in out and "not reachable" not in out
    blocked = run_query(topo, Query("vm1", "vm2", "tcp", 23))
    assert "(not reachable)" in markdown(blocked, topo.info)
