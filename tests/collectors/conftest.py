"""Fixtures for the collector tests: one moto server on 127.0.0.1 per session, a clean AWS environment
per test (fake credentials, AWS_ENDPOINT_URL at the server, no config files, no instance metadata),
and a guard that fails any connection outside 127.0.0.0/8 (or ::1)."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # aws_env, aws_moto, aws_estate (any import mode)

from aws_env import configure  # noqa: E402
from aws_moto import MotoServer  # noqa: E402


def _loopback(host: Any) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture(scope="session", autouse=True)
def only_loopback() -> Iterator[None]:
    """Nothing in these tests may talk to an address outside 127.0.0.0/8 (no real AWS, no IMDS)."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise ConnectionRefusedError(f"test guard: connection to {address[0]} refused (loopback only)")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        return real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        yield


@pytest.fixture(scope="session")
def moto_server(only_loopback: None) -> Iterator[MotoServer]:
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MotoServer:
    """A reset moto server, and an environment in which boto3's default chain reaches only it."""
    moto_server.reset()
    configure(monkeypatch, moto_server, tmp_path)
    return moto_server
