"""`flightpath collect oci --instance-principal`: the real SDK signer against an instance metadata service and an
auth service served on 127.0.0.1.

https://docs.oracle.com/en-us/iaas/Content/Identity/Tasks/callingservicesfrominstances.htm: an instance principal
reads its region, certificate, key and intermediate certificate from the metadata service (`/opc/v2/...`, header
`Authorization: Bearer Oracle`), exchanges them at the auth service (`POST /v1/x509`) for a security token, and signs
API calls with `keyId="ST$<token>"`. The tenancy is the leaf certificate's `opc-tenant:` subject field. The SDK takes
the metadata URL from OCI_METADATA_BASE_URL; the collector sends the token request to --endpoint in tests.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flightpath.collectors.oci import fetch
from flightpath.collectors.oci.collect_types import OciCollectOptions
from flightpath.errors import CollectorError
from oci_wire import OciWire
from test_oci_collect import COMPARTMENT, DATA, TENANCY

from flightpath import load_snapshot

NOW = dt.datetime.now(dt.timezone.utc)


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def _cert(subject: list[x509.NameAttribute], key, issuer_name: x509.Name, issuer_key) -> x509.Certificate:
    return (x509.CertificateBuilder().subject_name(x509.Name(subject)).issuer_name(issuer_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(hours=1)).not_valid_after(NOW + dt.timedelta(hours=2))
            .sign(issuer_key, hashes.SHA256()))


@pytest.fixture(scope="module")
def instance_identity():
    """(metadata files, token): an intermediate CA and a leaf certificate naming the lab's tenancy."""
    ca_key, leaf_key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PKISVC Identity Intermediate us-ashburn-1")])
    ca = _cert(list(ca_name), ca_key, ca_name, ca_key)
    leaf = _cert([x509.NameAttribute(NameOID.COMMON_NAME, "ocid1.instance.oc1.iad.collector"),
                  x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "opc-instance:ocid1.instance.oc1.iad.collector"),
                  x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"opc-tenant:{TENANCY}")],
                 leaf_key, ca_name, ca_key)
    files = {"/opc/v2/instance/region": b"iad", "/opc/v2/identity/cert.pem": leaf.public_bytes(serialization.Encoding.PEM),
             "/opc/v2/identity/key.pem": _pem(leaf_key),
             "/opc/v2/identity/intermediate.pem": ca.public_bytes(serialization.Encoding.PEM)}
    token = jwt.encode({"iat": int(time.time()), "exp": int(time.time()) + 3600, "sub": "ocid1.instance.oc1.iad.collector",
                        "tenant": TENANCY}, "a test key the SDK never checks: 32+ bytes", algorithm="HS256")
    return files, token


class _Metadata:
    """The instance metadata service: GET /opc/v2/... with `Authorization: Bearer Oracle`."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.seen: list[tuple[str, str]] = []
        meta = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                meta.seen.append((self.path, self.headers.get("Authorization") or ""))
                body = files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/opc/v2"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _WireWithAuth(OciWire):
    """The lab's API plus the auth service's `POST /v1/x509`, which answers with the token."""

    def __init__(self, data: Path, token: str) -> None:
        super().__init__(data, page_size=50)
        self.token_requests: list[dict] = []
        self.authorizations: set[str] = set()
        wire, handler = self, self.server.RequestHandlerClass

        def do_POST(h) -> None:  # noqa: N802
            length = int(h.headers.get("Content-Length") or 0)
            wire.token_requests.append(json.loads(h.rfile.read(length) or b"{}"))
            wire._send(h, 200, {"token": token})

        def do_GET(h) -> None:  # noqa: N802
            if not h.path.startswith("/tools/"):  # Oracle's public ranges file is a plain, unsigned download
                wire.authorizations.add(h.headers.get("Authorization") or "")
            wire.handle(h)

        handler.do_POST, handler.do_GET = do_POST, do_GET


def test_instance_principal_collects_with_a_token_from_the_instance_certificate(tmp_path, monkeypatch, instance_identity):
    files, token = instance_identity
    meta = _Metadata(files)
    monkeypatch.setenv("OCI_METADATA_BASE_URL", meta.base)
    try:
        with _WireWithAuth(DATA, token) as wire:
            summary = fetch.collect(OciCollectOptions(
                out=tmp_path / "snap", instance_principal=True, compartments=(COMPARTMENT,), endpoint=wire.endpoint,
                retry_base_sleep=0.01, max_retries=2, read_timeout=5, workers=2,
                public_ip_ranges_url=wire.ranges_url))
    finally:
        meta.close()
    assert summary.failed == 0 and summary.calls > 20
    # the metadata service was asked with Oracle's header, for the region and the three identity files
    assert {p for p, _a in meta.seen} >= set(files) and {a for _p, a in meta.seen} == {"Bearer Oracle"}
    # the token request carried the leaf certificate; every API call was signed with the token (keyId ST$<token>)
    assert wire.token_requests and "BEGIN CERTIFICATE" not in wire.token_requests[0]["certificate"]
    assert wire.token_requests[0]["certificate"].replace("\n", "") in files["/opc/v2/identity/cert.pem"].decode() \
        .replace("\n", "")
    assert wire.authorizations and all(f'keyId="ST${token}"' in a for a in wire.authorizations), wire.authorizations
    # tenancy from the certificate, region from the metadata service ("iad" -> us-ashburn-1)
    assert (tmp_path / "snap" / "oci" / TENANCY / "us-ashburn-1" / "ListVcns.json").is_file()
    assert len(load_snapshot(tmp_path / "snap", use_cache=False).estate.interfaces) == 2


def test_no_metadata_service_is_a_one_line_error(tmp_path, monkeypatch):
    meta = _Metadata({})  # answers 404 for everything: not an OCI instance
    monkeypatch.setenv("OCI_METADATA_BASE_URL", meta.base)
    try:
        with pytest.raises(CollectorError) as err:
            fetch.collect(OciCollectOptions(out=tmp_path / "snap", instance_principal=True, endpoint="http://127.0.0.1:9",
                                            compartments=(COMPARTMENT,), retry_base_sleep=0.01, max_retries=1))
    finally:
        meta.close()
    assert str(err.value).startswith("instance principal authentication failed") and "\n" not in str(err.value)
    assert not (tmp_path / "snap").exists()
