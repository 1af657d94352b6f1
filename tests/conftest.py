"""Shared test set-up: keep flightpath's estate cache out of the user's home folder, and keep every test on
127.0.0.0/8 (a connection anywhere else fails the test, even where the code under test catches the error)."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

import pytest

# `from tests.cli.inproc import cli` (the in-process CLI runner) under any import mode / invocation
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture(autouse=True)
def _flightpath_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLIGHTPATH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "flightpath-cache"))


def _loopback(host: object) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return str(host) == "localhost"


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch):
    """Tests never touch an address outside 127.0.0.0/8 (or ::1): connect() elsewhere raises, and is recorded so
    that a collector which turns the error into a manifest entry still fails its test."""
    outside: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(sock: socket.socket, address) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            outside.append(str(address))
            raise OSError(f"test tried to connect to {address}: tests stay on 127.0.0.0/8")

    def connect(sock, address):
        guard(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        guard(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield
    assert not outside, f"connections outside 127.0.0.0/8: {outside}"
