"""A moto server on 127.0.0.1 behind a small WSGI middleware that can inject faults and latency.

The middleware reads the request's API action (query protocol: the `Action` form field, as EC2 and STS
send it; JSON protocol: the `X-Amz-Target` header, as Organizations sends it), counts it, and for chosen
actions answers an error (EC2's error XML) or sleeps before answering, so the tests can exercise
AccessDenied, throttling until the retries run out, and read timeouts against real boto3 over HTTP.
It can also replay recorded wire responses (pages chosen by the request's NextToken), for what moto
does not do (moto ignores MaxResults, so it never pages).
"""

from __future__ import annotations

import io
import re
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

ERROR_XML = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>"
             "<Message>{message}</Message></Error></Errors><RequestID>flightpath-test</RequestID></Response>")


@dataclass(frozen=True)
class Fault:
    """status/code/message: answer this error; sleep: wait this long first (then answer normally)."""

    status: int = 0
    code: str = ""
    message: str = ""
    sleep: float = 0.0


def request_action(environ: dict[str, Any], body: bytes) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rsplit(".", 1)[-1]
    if environ.get("REQUEST_METHOD") == "POST":
        return parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
    return parse_qs(environ.get("QUERY_STRING", "")).get("Action", [""])[0]


class FaultInjector:
    """WSGI middleware: per-action faults, a fixed delay on every request, and a count of actions."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.faults: dict[str, Fault] = {}
        self.delay = 0.0
        self.hits: Counter[str] = Counter()
        self.replays: dict[str, dict[str, bytes]] = {}  # action -> request NextToken ("" first) -> body
        self.tokens: dict[str, list[str]] = {}  # action -> NextToken of each replayed request
        self.key_ids: dict[str, set[str]] = {}  # action -> access key ids that signed it
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.hits.clear()
            self.replays.clear()
            self.tokens.clear()
            self.key_ids.clear()
            self.delay = 0.0

    def replay(self, action: str, pages: dict[str, bytes]) -> None:
        with self._lock:
            self.replays[action] = pages

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = request_action(environ, body)
        key_id = re.search(r"Credential=([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        with self._lock:
            if action:
                self.hits[action] += 1
                self.key_ids.setdefault(action, set()).add(key_id.group(1) if key_id else "")
            fault = self.faults.get(action)
            pages = self.replays.get(action)
            delay = self.delay
        if delay:
            time.sleep(delay)
        if fault and fault.sleep:
            time.sleep(fault.sleep)
        if fault and fault.status:
            payload = ERROR_XML.format(code=fault.code, message=fault.message).encode()
            start_response(f"{fault.status} Error", [("Content-Type", "text/xml"),
                                                     ("Content-Length", str(len(payload)))])
            return [payload]
        if pages is not None:
            token = parse_qs(body.decode("utf-8", "replace")).get("NextToken", [""])[0]
            with self._lock:
                self.tokens.setdefault(action, []).append(token)
            payload = pages[token]
            start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))])
            return [payload]
        return self.app(environ, start_response)


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # no access log on the test output
        pass


class MotoServer:
    """moto's WSGI app (every service on one port) served by a threaded werkzeug server on 127.0.0.1."""

    def __init__(self, port: int = 0) -> None:
        self.injector = FaultInjector(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer = make_server("127.0.0.1", port, self.injector, threaded=True,
                                                   request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> MotoServer:
        self._thread.start()
        return self

    def reset(self) -> None:
        """Forget every resource (moto's reset API) and every injected fault."""
        self.injector.clear()
        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=10).read()
        self.injector.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
