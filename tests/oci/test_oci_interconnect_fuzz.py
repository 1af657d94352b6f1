"""Fuzzing the Azure–OCI Interconnect's files (tests/fuzz/test_fuzz_loaders.py's mutations and property): the lab's
links.json, the ExpressRoute circuit and connection, and the OCI virtual circuit and its DRG attachment, each
mutated and then a trace across the interconnect run on the whole lab. Property (DESIGN.md "bad input"): a clean
load and a verdict, or exit 2 with one line naming the mutated file; never a traceback."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.test_fuzz_loaders import MULTI_LAB, _fuzz_in_lab, mutated

FILES = ["links.json",
         "azure/8a1c2d3e-4f50-4a6b-9c7d-0e1f2a3b4c5d/expressRouteCircuits.json",
         "azure/8a1c2d3e-4f50-4a6b-9c7d-0e1f2a3b4c5d/connections/cn-er-oci.json",
         "oci/ocid1.tenancy.oc1..aaaaaaaakickstartlab/us-ashburn-1/ListVirtualCircuits.json",
         "oci/ocid1.tenancy.oc1..aaaaaaaakickstartlab/us-ashburn-1/ListDrgAttachments.json"]
TRACES = [("trace", "10.120.1.4", "10.220.2.10", "--port", "443", "--format", "json"),
          ("trace", "10.220.2.10", "10.120.1.4", "--port", "443", "--format", "json")]
EXAMPLES = int(os.environ.get("FLIGHTPATH_FUZZ_EXAMPLES", "250"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    dst = tmp_path_factory.mktemp("fuzz-interconnect")
    shutil.copytree(MULTI_LAB, dst, dirs_exist_ok=True)
    return dst


def test_the_fuzzed_files_are_in_the_lab():
    assert all((MULTI_LAB / f).is_file() for f in FILES)


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzz_interconnect_files(lab, data):
    rel = data.draw(st.sampled_from(FILES))
    text, what = data.draw(mutated(json.loads((MULTI_LAB / rel).read_text())))
    _fuzz_in_lab(lab, rel, text, (rel, what), data.draw(st.sampled_from(TRACES)))
