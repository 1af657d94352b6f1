"""The human views (issue 13): compact terminal default, --verbose, --wide, header, Azure names,
--all-blockers marks, mermaid in markdown, self-contained HTML with an SVG (structure always checked)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.cli.inproc import cli

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "fixtures" / "kickstart-aws"
KICK = ROOT / "fixtures" / "kickstart"
DEMO = ("trace", "app-a", "db-b", "--port", "22", "--snapshot", str(LAB))
ID_RE = re.compile(r"\b(?:eni|subnet|rtb|acl|sg|tgw-attach|tgw-rtb|tgw|vpc)-[0-9a-f]+\b")


def _ids_in_report(fmt: str = "json") -> set[str]:
    import json

    r = cli(*DEMO, "--format", "json")
    return set(ID_RE.findall(json.dumps(json.loads(r.out))))


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_compact_default_keeps_every_id_whole(monkeypatch, columns: int):
    monkeypatch.setenv("COLUMNS", str(columns))
    r = cli(*DEMO)
    assert r.code == 1
    assert "acl-0d4e5f6a7b8c90031" in r.out  # README demo / .ci/run
    shown = set(ID_RE.findall(r.out))
    for hop_id in ("eni-0f6a7b8c9d0e10021", "tgw-rtb-08b9c0d1e2f3a0001", "tgw-attach-07a8b9c0d1e2f0003",
                   "subnet-0b2c3d4e5f6a70031"):
        assert hop_id in shown, (hop_id, r.out)
    # every id-looking token is one the report knows (no truncated fragment like tgw-attach-07a8b9c0d1e2f000)
    assert shown <= _ids_in_report(), shown - _ids_in_report()
    assert all(len(line) <= columns for line in r.out.splitlines())


def _forward_table_lines(out: str) -> list[str]:
    """The lines of the forward path table's body: after the header rule, up to the first blank line."""
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("forward path"))
    rule = next(i for i in range(start, len(lines)) if lines[i].strip().startswith("───"))
    body = []
    for ln in lines[rule + 1:]:
        if not ln.strip():
            break
        body.append(ln)
    return body


@pytest.mark.parametrize("columns", [100, 160])
def test_compact_is_one_line_per_hop_at_100_columns(monkeypatch, columns: int):
    """Issue 13: one line per hop (a short form of the rule or route when the full one would wrap)."""
    import json

    hops = json.loads(cli(*DEMO, "--format", "json").out)["forward"]["hops"]
    monkeypatch.setenv("COLUMNS", str(columns))
    body = _forward_table_lines(cli(*DEMO).out)
    assert len(body) == len(hops), "\n".join(body)
    assert all(re.match(r"^\s*~?\d+\s", ln) for ln in body)
    blocking = body[-1]
    assert "acl-0d4e5f6a7b8c90031 110" in blocking and "blocks" in blocking  # which rule, still on its line


def test_compact_oci_hops_by_display_name_one_line_each_at_100_columns(monkeypatch):
    """OCIDs run to ~80 characters (https://docs.oracle.com/en-us/iaas/Content/General/Concepts/identifiers.htm):
    the compact view names OCI resources by their display names, one line per hop; the OCIDs stay in the
    header, --verbose and JSON."""
    import json

    args = ("trace", "10.220.2.10", "10.220.1.10", "--port", "80", "--snapshot", str(KICK))
    report = json.loads(cli(*args, "--format", "json").out)
    assert report["first_block"]["resource"]["name"] == "oci-web-vnic"
    monkeypatch.setenv("COLUMNS", "100")
    out = cli(*args).out
    body = _forward_table_lines(out)
    assert len(body) == len(report["forward"]["hops"]), "\n".join(body)
    assert "oci-app-vnic" in body[0] and "oci-web-vnic" in body[-1] and "blocks" in body[-1], body
    assert "ocid1.vnic.oc1.iad.aaaaaaaakslabweb (oci-web-vnic)" in out  # the header's "blocked by" keeps the OCID
    # the lists consulted are the ones the user configured (OCI's built-in 169.254.0.0/16 allowance is not one)
    assert "ocid1.securitylist.oc1.iad.aaaaaaaakslabweb" in report["first_block"]["reason"]
    assert "oci:link-local" not in report["first_block"]["reason"] and "(oci-app-vnic)" not in body[0]
    assert "ocid1.vnic.oc1.iad.aaaaaaaakslabweb" in cli(*args, "--verbose").out


def test_header_shows_what_was_typed_and_what_it_resolved_to():
    r = cli(*DEMO)
    assert "app-a → db-b" in r.out and "resolved: eni-0f6a7b8c9d0e10021" in r.out and "10.2.1.20" in r.out


def test_markdown_title_is_what_was_typed_with_what_it_resolved_to():
    out = cli(*DEMO, "--format", "markdown").out
    assert out.startswith("## flightpath: app-a → db-b\n"), out[:200]
    assert "- Resolved: " in out and "eni-0f6a7b8c9d0e10021" in out.split("\n")[2]


def test_verbose_and_wide():
    verbose = cli(*DEMO, "--verbose")
    assert verbose.code == 1 and "check" in verbose.out and "acl-0d4e5f6a7b8c90031" in verbose.out
    wide = cli(*DEMO, "--wide")
    line = next(ln for ln in wide.out.splitlines() if "acl-0d4e5f6a7b8c90031 110" in ln and "blocked by" not in ln)
    assert "SUBNET_ACL_RESTRICTION" in line and "blocks" in line


def test_all_blockers_marks_hops_as_if_fixed_and_a_hypothetical_return():
    r = cli(*DEMO, "--all-blockers", "--wide")
    assert "as if" in r.out
    if "return path" in r.out:
        assert "hypothetical" in r.out


def test_azure_subnets_as_vnet_slash_subnet(monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    r = cli("trace", "vm-spoke1", "8.8.8.8", "--port", "443", "--snapshot", str(KICK))
    assert "vnet-spoke1/snet-app" in r.out, r.out
    assert "subnets/snet" not in r.out and "networkInterfaces/" not in r.out, r.out


def test_endpoints_fits_100_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    for snap in (LAB, KICK):
        r = cli("endpoints", "--snapshot", str(snap))
        assert r.code == 0
        assert "…" not in r.out and all(len(ln) <= 100 for ln in r.out.splitlines()), r.out


DELIVERED = ("trace", "app-a", "db-b", "--port", "5432", "--snapshot", str(LAB))


def _mermaid(*args: str) -> str:
    r = cli(*args, "--format", "markdown")
    return r.out.split("```mermaid\n", 1)[1].split("```", 1)[0]


def test_markdown_has_a_mermaid_flowchart_with_the_blocking_hop_marked():
    block = _mermaid(*DEMO)
    assert block.startswith("flowchart LR") and "subgraph aws[AWS]" in block
    node = re.search(r"(n\d+_subnet_0b2c3d4e5f6a70031)\[", block).group(1)
    assert f"style {node} fill:#fdd" in block
    assert "-->" in block and "<br/>" in block and "‹br/›" not in block
    delivered = _mermaid(*DELIVERED)
    assert "-.->" in delivered and "style" not in delivered  # the return path dashed; nothing blocks


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href") and v and not v.startswith("#"):
                self.urls.append(v)


def _html(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "trace.html"
    r = cli(*DEMO, *args, "--format", "html", "--output", str(out))
    assert r.code == 1, r.err
    return out.read_text()


def test_html_is_self_contained_with_an_svg_diagram(tmp_path: Path):
    text = _html(tmp_path)
    p = _Collect()
    p.feed(text)
    assert p.tags[0] == "html" and "svg" in p.tags and "table" in p.tags
    assert not p.urls and "<script" not in text and "@import" not in text and "url(http" not in text
    svg = text[text.index("<svg"):text.index("</svg>") + 6]
    root = ET.fromstring(svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    groups = root.findall(f"{ns}g")
    lanes = [g for g in groups if g.get("class") == "lane"]
    nodes = [g for g in groups if "node" in (g.get("class") or "")]
    assert [g.get("data-cloud") for g in lanes] == ["aws"]
    blocking = [g for g in nodes if "blocking" in g.get("class")]
    assert len(blocking) == 1 and "subnet-0b2c3d4e5f6a70031" in blocking[0].find(f"{ns}title").text
    assert blocking[0].find(f"{ns}rect").get("stroke") == "#c00"
    assert "acl-0d4e5f6a7b8c90031" in text  # the hop table
    networks = [g.find(f"{ns}text").text for g in groups if g.get("class") == "network"]
    assert any("spoke-a" in n for n in networks) and any("spoke-b" in n for n in networks), networks
    out = tmp_path / "ok.html"
    assert cli(*DELIVERED, "--format", "html", "--output", str(out)).code == 0
    text = out.read_text()
    root = ET.fromstring(text[text.index("<svg"):text.index("</svg>") + 6])
    returns = root.findall(f"{ns}path[@class='return']")
    assert returns and all(r.get("stroke-dasharray") for r in returns)
    assert not [g for g in root.findall(f"{ns}g") if "blocking" in (g.get("class") or "")]


def test_html_needs_an_output_file():
    r = cli(*DEMO, "--format", "html")
    assert r.code == 2 and "--output" in r.err


def test_html_multi_cloud_lanes(tmp_path: Path):
    out = tmp_path / "mc.html"
    r = cli("trace", "vm-spoke1", "app-a", "--port", "22", "--snapshot", str(KICK), "--format", "html", "--output", str(out))
    if r.code == 2:
        pytest.skip(f"no cross-cloud path in the lab: {r.err}")
    text = out.read_text()
    assert 'data-cloud="azure"' in text


def test_html_renders_in_headless_chromium(tmp_path: Path):
    import shutil
    import subprocess

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no headless Chromium installed (Debian: apt-get install chromium)")
    page = tmp_path / "trace.html"
    page.write_text(_html(tmp_path))
    shot = tmp_path / "shot.png"
    profile = tmp_path / "profile"
    proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={profile}", "--window-size=1400,900", f"--screenshot={shot}",
                           page.as_uri()], capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, proc.stderr[-800:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=90)
    assert dom.returncode == 0 and "<svg" in dom.stdout and "acl-0d4e5f6a7b8c90031" in dom.stdout
