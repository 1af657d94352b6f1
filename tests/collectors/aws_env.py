"""The test AWS environment (fake credentials, an environment that reaches only moto) and helpers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_moto import MotoServer
from typer.testing import CliRunner

import flightpath
from flightpath.cli.collect import collect_app

# Distinctive fake credentials: the tests grep every written file for them.
FAKE_KEY_ID = "AKIAFLIGHTPATHTEST42"
FAKE_SECRET = "fp/SECRET+flightpath+test+never+written+0042"
FAKE_TOKEN = "FwoGZXIvYXdzEFLIGHTPATH+SESSION+TOKEN+never+written+0042"
ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
DATA = Path(__file__).parent / "data"
WIRE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

_AWS_VARS = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CA_BUNDLE",
    "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_STS_REGIONAL_ENDPOINTS", "AWS_USE_FIPS_ENDPOINT",
)


def configure(mp: pytest.MonkeyPatch, server: MotoServer, tmp: Path) -> Path:
    """Point boto3's default chain at the fake credentials and every service at `server`; returns the
    (empty) AWS config file path, which a test may fill with profiles."""
    for var in _AWS_VARS:
        mp.delenv(var, raising=False)
    config = tmp / "aws-config"
    config.write_text("")
    mp.setenv("AWS_CONFIG_FILE", str(config))
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp / "aws-credentials-none"))
    mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
    mp.setenv("AWS_ENDPOINT_URL", server.url)
    mp.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    mp.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    mp.setenv("AWS_SESSION_TOKEN", FAKE_TOKEN)
    mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
    mp.setenv("FLIGHTPATH_CACHE_DIR", str(tmp / "flightpath-cache"))
    return config


def cli(*args: str) -> Any:
    return CliRunner().invoke(collect_app, ["aws", *args])


def read(out: Path, rel: str) -> Any:
    return json.loads((out / rel).read_text())


def region_file(out: Path, op: str, account: str = ACCOUNT, region: str = REGION) -> Any:
    return read(out, f"aws/{account}/{region}/{op}.json")


def manifest(out: Path) -> dict[str, Any]:
    return read(out, "manifest.json")


def trace(out: Path, src: str, dst: str, port: int) -> Any:
    topo = flightpath.load_snapshot(out)
    return flightpath.trace(topo, flightpath.Flow.parse("tcp", src, dst, dst_port=port))


def public_ip(out: Path, instance_id: str) -> str:
    for res in region_file(out, "DescribeInstances")["Reservations"]:
        for inst in res["Instances"]:
            if inst["InstanceId"] == instance_id:
                return inst["PublicIpAddress"]
    raise AssertionError(instance_id)
