"""Shared test set-up: keep flightpath's estate cache out of the user's home folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# `from tests.cli.inproc import cli` (the in-process CLI runner) under any import mode / invocation
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture(autouse=True)
def _flightpath_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLIGHTPATH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "flightpath-cache"))
