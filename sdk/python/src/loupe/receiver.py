"""A push receiver (docs/dispatch.md#push-signed-webhooks-through-cloudflare-queues): verifies a
delivery, answers at once, and runs the delivered run through its handler on a thread."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Set, Tuple, Type, Union

from ._handler_run import AnalysisHandler, Handler, JobHandler, OnRun, open_run, run_handler
from ._run_handle import JSONDict, RunHandle, logger
from .errors import AnalysisCanceled, JobCanceled
from .webhooks import TOLERANCE_SECONDS, Headers, WebhookVerificationError, _header, verify_webhook, webhook_key

if TYPE_CHECKING:  # pragma: no cover
    from .client import LoupeClient

__all__ = ["WebhookReceiver"]

#: The events that hand a run over, and the record in ``data`` that names it.
STARTS = {"analysis.created": "analysis", "job.runnable": "job"}
CANCELS = {"analysis.canceled": "analysis", "job.canceled": "job"}

MAX_BODY_BYTES = 1 << 20  # deliveries are a few KB; refuse to buffer more before verifying


class WebhookReceiver:
    """Receives Loupe's signed deliveries for ``client``.

    ``analysis.created`` registers the delivered callback credential with the client and runs
    ``analysis(run, item)`` in ``client.analysis(id)`` on a thread; ``job.runnable`` likewise with
    ``job``. ``item`` has the shape of a claimed run (``kind``, ``id``, ``event``, ``data``, ``lease``
    None), so one handler serves push and pull. ``analysis.canceled`` / ``job.canceled`` make the
    running handler's ``run.should_stop`` true and its next callback raise, then reach ``on_event``
    like every other event (lifecycle ones: ``analysis.completed``, ``job.failed``, ...).
    ``on_run(item, outcome, error)`` hears how each run ended. A run continues the delivery's
    ``traceparent`` (a new trace when it has none, or a malformed one), so ``run.trace_id`` is the
    one Loupe's log lines for the delivery carry.

    Use :meth:`handle` from any web framework, mount :attr:`request_handler` on an ``http.server``,
    or ``receiver.serve(host, port).serve_forever()``.
    """

    def __init__(
        self,
        client: "LoupeClient",
        secret: Union[str, bytes],
        *,
        analysis: Optional[AnalysisHandler] = None,
        job: Optional[JobHandler] = None,
        on_event: Optional[Callable[[JSONDict], Any]] = None,
        on_run: Optional[OnRun] = None,
        tolerance: Optional[float] = TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self._key = webhook_key(secret)  # a bad secret fails here, not on the first delivery
        self._handlers: Dict[str, Handler] = {kind: h for kind, h in (("analysis", analysis), ("job", job)) if h is not None}
        self._on_event = on_event
        self._on_run = on_run
        self._tolerance = tolerance
        self._clock = clock
        self._running: Dict[str, RunHandle] = {}
        self._threads: Set[threading.Thread] = set()
        self._lock = threading.Lock()
        self.request_handler: Type[BaseHTTPRequestHandler] = _request_handler(self)
        """A ``BaseHTTPRequestHandler`` class that answers POSTs through :meth:`handle`."""

    def handle(self, headers: Headers, body: bytes) -> Tuple[int, bytes]:
        """Verifies one delivery and starts its work; returns the HTTP status and body to answer
        with: 204 once verified, 401 when verification fails, 400 when a run's delivery is malformed."""
        try:
            event = verify_webhook(self._key, headers, body, now=self._clock(), tolerance=self._tolerance)
        except WebhookVerificationError as exc:
            return 401, f"webhook verification failed: {exc}".encode("utf-8")
        kind = STARTS.get(str(event.get("type")))
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        if kind is not None and kind in self._handlers:
            try:
                self._start(kind, event, data, _header(headers, "traceparent"))
            except ValueError as exc:
                return 400, str(exc).encode("utf-8")
            return 204, b""
        stopping = CANCELS.get(str(event.get("type")))
        if stopping is not None:
            self._cancel(stopping, data)
        if self._on_event is not None:
            self._spawn(self._on_event, (event,), "loupe-event")
        return 204, b""

    def serve(self, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
        """An ``http.server`` bound to ``host:port`` that serves this receiver; call ``serve_forever()`` on it."""
        return ThreadingHTTPServer((host, port), self.request_handler)

    def join(self, timeout: Optional[float] = None) -> None:
        """Waits for the work started so far (runs and ``on_event`` calls) to end."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))

    def _start(self, kind: str, event: JSONDict, data: JSONDict, traceparent: Optional[str]) -> None:
        record, callback = data.get(kind), data.get("callback")
        if not isinstance(record, dict) or not record.get("id") or not isinstance(callback, dict) or not callback.get("secret"):
            raise ValueError(f"{event.get('type')} without data.{kind}.id and data.callback.secret")
        run_id = str(record["id"])
        self.client.use_credential(run_id, str(callback["secret"]))
        with self._lock:
            if run_id in self._running:  # a retry of a delivery whose answer was lost: already at work
                return
            handle = self._running[run_id] = open_run(self.client, kind, run_id, traceparent)
        item: JSONDict = {"kind": kind, "id": run_id, "event": event.get("type"), "data": data, "lease": None}
        self._spawn(self._work, (handle, self._handlers[kind], item), f"loupe-{kind}-{run_id}")

    def _work(self, handle: RunHandle, handler: Handler, item: JSONDict) -> None:
        try:
            outcome, error = run_handler(handle, handler, item)
        finally:
            with self._lock:
                self._running.pop(handle.id, None)
            self.client._forget(handle.id)
        if self._on_run is not None:
            self._on_run(item, outcome, error)

    def _cancel(self, kind: str, data: JSONDict) -> None:
        record = data.get(kind)
        run_id = str(record.get("id")) if isinstance(record, dict) else ""
        with self._lock:
            handle = self._running.get(run_id)
        if handle is not None:
            error = AnalysisCanceled if kind == "analysis" else JobCanceled
            handle._stop(error(409, f"{kind}_canceled", f"{kind} {run_id} was canceled"))

    def _spawn(self, target: Callable[..., Any], args: Tuple[Any, ...], name: str) -> None:
        # Not daemonic: a process told to exit lets its runs finish and finalize first.
        thread = threading.Thread(target=self._tracked, args=(target, args), name=name)
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _tracked(self, target: Callable[..., Any], args: Tuple[Any, ...]) -> None:
        try:
            target(*args)
        except Exception:
            logger.exception("loupe: webhook work %s failed", threading.current_thread().name)
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())


def _request_handler(receiver: WebhookReceiver) -> Type[BaseHTTPRequestHandler]:
    class LoupeWebhookHandler(BaseHTTPRequestHandler):
        server_version = "loupe-webhook-receiver"

        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or "")
            except ValueError:
                return self._answer(411, b"Content-Length required")
            if length > MAX_BODY_BYTES:
                return self._answer(413, b"delivery too large")
            status, body = receiver.handle(self.headers, self.rfile.read(length))
            self._answer(status, body)

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            if body:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("loupe webhook receiver: " + format, *args)

    return LoupeWebhookHandler
