"""Benchmark of the live AWS collector (issue 3): sequential vs concurrent collection.

    python bench/collect_bench.py [--regions 20] [--runs 3] [--latency-ms 50] [--workers N]

A synthetic estate is built in moto (every region: two VPCs with subnets and security groups, a
transit gateway with a route table, a managed prefix list; moto adds a default VPC and its
AWS-managed prefix lists), served on 127.0.0.1 by a threaded server that adds a fixed latency to
every call, the way a remote API endpoint would (in its own process). Then `collect()` runs with workers=1 and with the
default worker count; the script prints the median wall time of each and the speed-up. Nothing leaves
127.0.0.1: fake credentials, AWS_ENDPOINT_URL at the local server, no AWS config files, IMDS off.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterable

REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1", "ap-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1", "me-south-1",
    "af-south-1", "ap-east-1", "eu-central-2", "il-central-1", "ca-west-1",
]


class Endpoint:
    """WSGI middleware in front of moto: sleeps `seconds` before every request (one thread per request,
    so concurrent requests overlap their waits as over a network) and can record moto's answers and
    replay them. Replay keeps moto's own CPU (one process, one GIL: roughly a hundred calls/s) from
    capping the throughput being measured; the bodies are the ones moto gave. Control: POST
    /__bench/latency/<ms>, /__bench/record, /__bench/replay, /__bench/live."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.seconds = 0.0
        self.mode = "live"
        self.cache: dict[tuple[str, bytes], tuple[str, list[tuple[str, str]], bytes]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/__bench/"):
            command = path.split("/")[2:]
            if command[0] == "latency":
                self.seconds = float(command[1]) / 1000
            else:
                self.mode = command[0]
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        scope = re.search(r"Credential=[^/]+/\d+/([^/]+/[^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        key = (scope.group(1) if scope else "", body)  # region/service and the request, not its signature
        if self.seconds:
            time.sleep(self.seconds)
        if self.mode == "replay" and key in self.cache:
            status, headers, payload = self.cache[key]
            start_response(status, headers)
            return [payload]
        if self.mode != "record":
            return self.app(environ, start_response)
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            seen.update(status=status, headers=headers)
            return lambda data: None

        payload = b"".join(self.app(environ, capture))
        self.cache[key] = (seen["status"], seen["headers"], payload)
        start_response(seen["status"], seen["headers"])
        return [payload]


def serve() -> None:
    """Run moto behind the latency middleware on 127.0.0.1 (in its own process, so the server's CPU
    does not compete with the collector's for one GIL); print the port; stop when stdin closes."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    class Quiet(MotoRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, Endpoint(DomainDispatcherApplication(create_backend_app)),
                         threaded=True, request_handler=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_port, flush=True)
    sys.stdin.read()
    server.shutdown()


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, f"http://127.0.0.1:{int(proc.stdout.readline())}"


def control(url: str, command: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/__bench/{command}", method="POST"), timeout=10)


def isolate_environment(url: str, tmp: Path) -> None:
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        os.environ.pop(var, None)
    empty = tmp / "aws-config"
    empty.write_text("")
    os.environ.update(AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="AKIABENCH00000000000",
                      AWS_SECRET_ACCESS_KEY="bench-secret", AWS_DEFAULT_REGION="us-east-1",
                      AWS_CONFIG_FILE=str(empty), AWS_SHARED_CREDENTIALS_FILE=str(empty),
                      AWS_EC2_METADATA_DISABLED="true")
    os.environ.pop("AWS_SESSION_TOKEN", None)


def build_region(region: str) -> None:
    import boto3

    ec2 = boto3.client("ec2", region_name=region)
    for n in range(2):
        vpc = ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"]
        for s in range(3):
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{n}.{s}.0/24")
        web = ec2.create_security_group(GroupName=f"web-{n}", Description="web", VpcId=vpc)["GroupId"]
        app = ec2.create_security_group(GroupName=f"app-{n}", Description="app", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=app, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web}]}])
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)
    ec2.create_managed_prefix_list(PrefixListName="office", AddressFamily="IPv4", MaxEntries=5,
                                   Entries=[{"Cidr": "203.0.113.0/24"}])


def run(regions: list[str], workers: int, out: Path) -> tuple[float, int, int]:
    from flightpath.collectors.aws.collect_types import CollectOptions
    from flightpath.collectors.aws.fetch import collect

    started = time.perf_counter()
    summary = collect(CollectOptions(out=out, regions=regions, workers=workers))
    elapsed = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return elapsed, summary.calls, summary.failed


def main(argv: list[str] | None = None) -> int:
    from flightpath.collectors.aws.operations import DEFAULT_WORKERS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regions", type=int, default=20, help=f"regions (max {len(REGIONS)})")
    parser.add_argument("--runs", type=int, default=3, help="runs per worker count (median reported)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="the concurrent run's workers")
    parser.add_argument("--live", action="store_true",
                        help="let moto answer every timed call (its CPU then caps the concurrent run)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve()
        return 0
    regions = REGIONS[: max(1, min(args.regions, len(REGIONS)))]

    server, url = start_server()
    tmp = Path(tempfile.mkdtemp(prefix="flightpath-collect-bench-"))
    try:
        isolate_environment(url, tmp)
        t0 = time.perf_counter()
        for region in regions:
            build_region(region)
        print(f"estate: {len(regions)} regions built in moto in {time.perf_counter() - t0:.1f} s", flush=True)
        # Warm-up: imports and model loading out of the figures; moto's answers recorded for replay.
        control(url, "live" if args.live else "record")
        run(regions, args.workers, tmp / "warm")
        control(url, "live" if args.live else "replay")
        control(url, f"latency/{args.latency_ms}")
        results: dict[int, list[float]] = {}
        calls = 0
        for workers in (1, args.workers):
            for i in range(args.runs):
                elapsed, calls, failed = run(regions, workers, tmp / "out")
                if failed:
                    print(f"warning: {failed} calls failed", file=sys.stderr)
                results.setdefault(workers, []).append(elapsed)
                print(f"  workers={workers:<3} run {i + 1}: {elapsed:6.2f} s  ({calls} calls)", flush=True)
        seq, par = statistics.median(results[1]), statistics.median(results[args.workers])
        print(f"\n{len(regions)} regions x {calls // len(regions)} calls/region = {calls} calls, "
              f"{args.latency_ms:.0f} ms added per call, moto answers {'live' if args.live else 'replayed'}, "
              f"median of {args.runs} runs")
        print(f"sequential (workers=1):        {seq:7.2f} s  ({calls / seq:6.1f} calls/s)")
        print(f"concurrent (workers={args.workers}):{' ' * (10 - len(str(args.workers)))}{par:7.2f} s  "
              f"({calls / par:6.1f} calls/s)")
        print(f"speed-up:                      {seq / par:7.1f}x")
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
