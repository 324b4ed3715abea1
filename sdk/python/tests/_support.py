"""Test helpers: import the SDK from this checkout, and a scriptable stub of the Loupe API.

The stub is a real ``http.server`` on 127.0.0.1 with an ephemeral port, serving from a thread. It
records every request (method, raw path, headers, raw body) and checks HMAC signatures over the
raw bytes it received, as the server does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

SECRET = "test_secret_123"
ANALYSIS_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"

DROP = "DROP"
"""A scripted response that closes the connection without answering (a network error)."""

ResponseSpec = Union[str, Tuple[int, Any], Tuple[int, Any, Dict[str, str]]]


class Recorded:
    def __init__(self, method: str, path: str, headers: Dict[str, str], body: bytes) -> None:
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def header(self, name: str) -> Optional[str]:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def signature_valid(self, secret: str = SECRET) -> bool:
        signature, timestamp = self.header("X-ML-Signature"), self.header("X-ML-Timestamp")
        if not signature or not timestamp:
            return False
        expected = hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + b"." + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature, "sha256=" + expected)

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} {len(self.body)}B>"


def _analysis(status: str = "processing", **extra: Any) -> Dict[str, Any]:
    return {"id": ANALYSIS_ID, "status": status, "progress": 0, "stage": None, **extra}


def default_response(server: "StubServer", req: Recorded) -> ResponseSpec:
    """What a healthy Loupe answers, enough for the SDK to carry on."""
    body: Any = req.json if req.body and req.header("Content-Type") == "application/json" else {}
    path = req.path.split("?")[0]
    if path == "/api/pipelines/claim":
        return (200, {"claimed": []})
    if path == "/api/pipelines/claim/renew":
        return (200, {"token": body["token"], "expires_at": "2030-01-01T00:00:00.000Z"})
    if path == "/api/pipelines/claim/release":
        return (200, {"kind": body["kind"], "id": body["id"], "status": "queued"})
    if req.method == "PUT" and path.startswith("/upload/"):
        return (200, b"")
    if path.endswith("/annotations:bulk"):
        n = len(body["annotations"])
        return (200, {"annotations": [], "total": n, "created": n, "duplicates": 0})
    if path.endswith("/artifacts/presign"):
        name = body["filename"]
        return (
            200,
            {
                "upload_url": f"{server.url}/upload/{name}?sig=abc",
                "storage_path": f"ml_outputs/{ANALYSIS_ID}/{name}",
                "expires_at": "2030-01-01T00:00:00.000Z",
                "method": "PUT",
                "headers": {"Content-Type": body.get("content_type") or "image/png"},
            },
        )
    if path.endswith("/logs"):
        return (200, {"accepted": len(body["lines"])})
    if path.endswith("/finalize"):
        return (200, _analysis(body["status"], error_message=body.get("error_message")))
    if path.endswith("/status"):
        return (200, _analysis(body["status"]))
    if path.endswith("/progress"):
        return (200, _analysis("processing", progress=body.get("progress", 0), stage=body.get("stage")))
    if path.endswith("/analyses") and req.method == "POST":
        return (201, {**_analysis("queued"), **body, "annotations": []})
    if path.endswith("/cancel"):
        return (200, _analysis("canceled"))
    return (404, {"error": {"code": "not_found", "message": f"no stub for {req.method} {path}", "details": None}})


class StubServer:
    """``with StubServer() as server:``; script answers with :meth:`queue`, read :attr:`requests`."""

    def __init__(self) -> None:
        self.requests: List[Recorded] = []
        self._queues: List[Tuple[str, str, List[ResponseSpec]]] = []
        self._lock = threading.Lock()
        self.fallback: Callable[["StubServer", Recorded], ResponseSpec] = default_response
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Recorded(self.command, self.path, dict(self.headers.items()), body)
                spec = stub._next(req)
                if spec == DROP:
                    self.close_connection = True
                    return
                assert not isinstance(spec, str)
                status: int = spec[0]
                payload: Any = spec[1]
                headers: Dict[str, str] = spec[2] if len(spec) > 2 else {}  # type: ignore[misc]
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
                self.send_response(status)
                if not isinstance(payload, bytes):
                    self.send_header("Content-Type", "application/json")
                self.send_header("X-Request-Id", f"req-{len(stub.requests)}")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def queue(self, method: str, path_contains: str, *responses: ResponseSpec) -> None:
        """Answer the next matching requests with ``responses`` in order, then fall back."""
        with self._lock:
            self._queues.append((method.upper(), path_contains, list(responses)))

    def _next(self, req: Recorded) -> ResponseSpec:
        with self._lock:
            self.requests.append(req)
            for method, fragment, responses in self._queues:
                if responses and method == req.method and fragment in req.path:
                    return responses.pop(0)
        return self.fallback(self, req)

    def matching(self, method: str, path_contains: str) -> List[Recorded]:
        return [r for r in self.requests if r.method == method and path_contains in r.path]

    def __enter__(self) -> "StubServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_client(server: StubServer, **options: Any) -> Tuple[Any, List[float]]:
    """A client against ``server`` whose sleeps are recorded instead of slept."""
    from loupe import LoupeClient

    delays: List[float] = []
    options.setdefault("sleep", delays.append)
    options.setdefault("progress_interval", 0.0)
    client = LoupeClient(server.url, SECRET, token=options.pop("token", "tok_test"), **options)
    return client, delays
