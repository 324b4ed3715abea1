"""The Loupe client: user calls (Bearer token) and HMAC-signed pipeline callbacks."""

from __future__ import annotations

import time
import urllib.parse
from typing import Any, Callable, Dict, Optional, cast

from ._claims import Claims
from ._trace import Trace
from ._transport import RETRY_ALL, RETRY_RATE_LIMIT, Response, Transport
from ._version import __version__
from .errors import LoupeError
from .job_run import JobRun
from .run import AnalysisRun
from .signing import sign_request, serialize_body
from .wire import MAX_LOG_LINES_PER_REQUEST

__all__ = ["LoupeClient"]

JSONDict = Dict[str, Any]


# Tells "use the client's secret" apart from an explicit None (send unsigned).
_CLIENT_SECRET: Any = object()


class LoupeClient(Claims):
    """A client for one Loupe deployment.

    ``secret`` is the shared ``ML_CALLBACK_HMAC_SECRET`` used to sign pipeline callbacks (``None``
    sends them unsigned, which only a server with ``ML_PIPELINE_REQUIRE_HMAC=false`` accepts).
    ``token`` is a user's API token, needed only for user endpoints such as :meth:`create_analysis`.
    ``api_key`` is a registered pipeline's key (``mlpip_...``), sent as ``X-API-Key`` on every
    request instead of ``token``. Analyses it creates come back with a run credential
    (``mlcred_...``), which then signs that analysis's callbacks instead of ``secret``
    (docs/security.md).

    Every request retries network errors, 429 and 5xx up to ``max_retries`` times with exponential
    backoff and full jitter, honouring ``Retry-After``; other 4xx raise at once. With ``api_key``,
    :meth:`claim`, :meth:`claim_run`, :meth:`renew` and :meth:`release` take and hold work (``_claims.py``).

    Every request sends a W3C ``traceparent``. Each run's handle keeps one trace for all its
    callbacks (``run.trace_id``); ``traceparent`` makes every request of this client continue that
    trace instead, and ``traceparent=`` on :meth:`analysis`, :meth:`job` and the creates continues
    one per call. A malformed one starts a new trace.
    """

    def __init__(
        self,
        base_url: str,
        secret: Optional[str] = None,
        token: Optional[str] = None,
        timeout: float = 30,
        max_retries: int = 5,
        *,
        nonce: bool = True,
        max_bulk: int = 5000,
        log_batch_size: int = 500,
        log_flush_interval: float = 2.0,
        progress_interval: float = 0.5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 300.0,
        sleep: Optional[Callable[[float], None]] = None,
        clock: Optional[Callable[[], float]] = None,
        api_key: Optional[str] = None,
        traceparent: Optional[str] = None,
    ) -> None:
        if not base_url:
            raise ValueError("base_url is required, e.g. http://localhost:8787")
        if max_bulk < 1:
            raise ValueError("max_bulk must be at least 1")
        if not 1 <= log_batch_size <= MAX_LOG_LINES_PER_REQUEST:
            raise ValueError(f"log_batch_size must be between 1 and {MAX_LOG_LINES_PER_REQUEST}")
        if api_key is not None and not api_key.startswith("mlpip_"):
            raise ValueError("api_key must be a pipeline key (mlpip_...)")
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.token = token
        self.api_key = api_key
        self._credentials: Dict[str, str] = {}
        # Lease tokens of claimed runs, sent as X-ML-Lease on their callbacks (which renews the lease).
        self._leases: Dict[str, str] = {}
        self._trace: Optional[Trace] = Trace.continue_from(traceparent) if traceparent else None
        self.nonce = nonce
        self.max_bulk = max_bulk
        """Annotations per bulk request; lowered automatically if the server reports a smaller limit."""
        self.log_batch_size = log_batch_size
        self.log_flush_interval = log_flush_interval
        self.progress_interval = progress_interval
        self.clock: Callable[[], float] = clock if clock is not None else time.monotonic
        self.transport = Transport(
            timeout=timeout,
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            max_retry_after=max_retry_after,
            sleep=sleep,
            user_agent=f"loupe-python/{__version__}",
        )

    # ---- user endpoints (Bearer token) -------------------------------------------------------

    def create_analysis(
        self,
        image_id: str,
        model_name: str,
        model_version: str,
        parameters: Optional[JSONDict] = None,
        provenance: Optional[JSONDict] = None,
        external_job_id: Optional[str] = None,
        priority: int = 0,
        group_id: Optional[str] = None,
        *,
        traceparent: Optional[str] = None,
    ) -> JSONDict:
        """``POST /api/images/{image_id}/analyses``; returns the queued analysis.

        With ``external_job_id`` the create is idempotent on the server (a repeat returns the
        existing analysis), so it is retried like any other call. Without one, only 429 is retried:
        repeating a create whose answer was lost could make a second analysis.
        """
        payload: JSONDict = {"image_id": image_id, "model_name": model_name, "model_version": model_version, "priority": priority}
        if parameters is not None:
            payload["parameters"] = parameters
        if provenance is not None:
            payload["provenance"] = provenance
        if external_job_id is not None:
            payload["external_job_id"] = external_job_id
        if group_id is not None:
            payload["group_id"] = group_id
        retry = RETRY_ALL if external_job_id is not None else RETRY_RATE_LIMIT
        path = f"/api/images/{_segment(image_id)}/analyses"
        created = cast(JSONDict, self.user_request("POST", path, payload, retry=retry, trace=self.trace_for(traceparent)))
        callback = created.get("callback")
        if isinstance(callback, dict) and callback.get("secret"):
            self.use_credential(str(created["id"]), str(callback["secret"]))
        return created

    def use_credential(self, analysis_id: str, secret: str) -> None:
        """Signs the callbacks of ``analysis_id`` (an analysis's or a job's id) with its run
        credential (``mlcred_...``) from now on.

        Creates made with ``api_key`` call this themselves; a worker handed a run's credential (a
        pushed ``analysis.created`` or ``job.runnable`` delivery's ``callback.secret``) calls it.
        """
        if not secret.startswith("mlcred_"):
            raise ValueError("a run credential starts with mlcred_")
        self._credentials[str(analysis_id)] = secret

    def signing_secret(self, analysis_id: str) -> Optional[str]:
        """The secret that signs callbacks for ``analysis_id``: its run credential, else ``secret``."""
        return self._credentials.get(str(analysis_id), self.secret)

    def get_analysis(self, analysis_id: str) -> JSONDict:
        """``GET /api/analyses/{id}``: the analysis with its annotations (user endpoint)."""
        return cast(JSONDict, self.user_request("GET", f"/api/analyses/{_segment(analysis_id)}"))

    def cancel_analysis(self, analysis_id: str) -> JSONDict:
        """``POST /api/analyses/{id}/cancel`` (editor or owner). The pipeline sees ``AnalysisCanceled``."""
        return cast(JSONDict, self.user_request("POST", f"/api/analyses/{_segment(analysis_id)}/cancel"))

    def create_job(self, project_id: str, kind: str, model_name: str, *, traceparent: Optional[str] = None, **fields: Any) -> JSONDict:
        """``POST /api/projects/{project_id}/jobs`` (editor or owner): a queued job with its place in
        the queue (``parameters``, ``inputs``, ``model_version``, ``priority`` as keyword arguments)."""
        payload: JSONDict = {"kind": kind, "model_name": model_name, **fields}
        path = f"/api/projects/{_segment(project_id)}/jobs"
        return cast(JSONDict, self.user_request("POST", path, payload, retry=RETRY_RATE_LIMIT, trace=self.trace_for(traceparent)))

    def get_job(self, job_id: str) -> JSONDict:
        """``GET /api/jobs/{id}``: the job with its queue position, dataset, batch and registered versions."""
        return cast(JSONDict, self.user_request("GET", f"/api/jobs/{_segment(job_id)}"))

    def cancel_job(self, job_id: str) -> JSONDict:
        """``POST /api/jobs/{id}/cancel`` (editor or owner). The pipeline sees ``JobCanceled``."""
        return cast(JSONDict, self.user_request("POST", f"/api/jobs/{_segment(job_id)}/cancel"))

    # ---- pipeline callbacks (HMAC) -----------------------------------------------------------

    def analysis(self, analysis_id: str, *, traceparent: Optional[str] = None) -> AnalysisRun:
        """A handle for reporting on one analysis; use it as a context manager to finalize it. All its
        callbacks share one trace (``run.trace_id``), ``traceparent``'s when given."""
        return AnalysisRun(self, analysis_id, trace=self.trace_for(traceparent))

    def job(self, job_id: str, *, traceparent: Optional[str] = None) -> JobRun:
        """A handle for reporting on one job, in one trace like :meth:`analysis`."""
        return JobRun(self, job_id, trace=self.trace_for(traceparent))

    def trace_for(self, traceparent: Optional[str] = None) -> Trace:
        """The trace a run or a call belongs to: ``traceparent`` continued when one is given (a
        malformed one starts a new trace), else the client's, else a new one."""
        if traceparent:
            return Trace.continue_from(traceparent)
        return self._trace if self._trace is not None else Trace.start()

    def run_headers(self, run_id: str) -> Dict[str, str]:
        """The headers a callback on ``run_id`` carries besides its signature: its lease token, when this client claimed it."""
        lease = self._leases.get(str(run_id))
        return {"X-ML-Lease": lease} if lease else {}

    def signed_request(
        self,
        method: str,
        path: str,
        payload: Any,
        *,
        retry: str = RETRY_ALL,
        secret: Any = _CLIENT_SECRET,
        extra_headers: Optional[Dict[str, str]] = None,
        trace: Optional[Trace] = None,
    ) -> Any:
        """Sends ``payload`` to a pipeline callback, signed as the guide describes.

        Every attempt is signed afresh (new timestamp, new nonce), so a retry is never refused as
        stale or as a replay, and carries a ``traceparent`` of ``trace`` with a span of its own.
        Returns the decoded JSON response.
        """

        signing: Optional[str] = self.secret if secret is _CLIENT_SECRET else secret
        in_trace = trace if trace is not None else self.trace_for()

        def build() -> "tuple[Optional[bytes], Dict[str, str]]":
            if signing is None:
                body, headers = serialize_body(payload), {"Content-Type": "application/json"}
            else:
                body, headers = sign_request(payload, signing, nonce=self.nonce)
            return body, {"traceparent": in_trace.traceparent(), **(extra_headers or {}), **self._key_header(), **headers}

        return _decode(self.transport.request(method, self.url(path), build, retry=retry))

    def user_request(
        self, method: str, path: str, payload: Any = None, *, retry: str = RETRY_ALL, timeout: Optional[float] = None, trace: Optional[Trace] = None
    ) -> Any:
        """Sends a request as the user (``Authorization: Bearer``) or the pipeline (``X-API-Key``), in
        ``trace`` (each attempt a span of its own); returns the decoded JSON."""
        body = serialize_body(payload) if payload is not None else None
        in_trace = trace if trace is not None else self.trace_for()

        def build() -> "tuple[Optional[bytes], Dict[str, str]]":
            headers: Dict[str, str] = {"traceparent": in_trace.traceparent(), **self._key_header()}
            if body is not None:
                headers["Content-Type"] = "application/json"
            # The server takes one credential per request: a pipeline key wins over a user token.
            if self.token and not self.api_key:
                headers["Authorization"] = f"Bearer {self.token}"
            return body, headers

        return _decode(self.transport.request(method, self.url(path), build, retry=retry, timeout=timeout))

    def _key_header(self) -> Dict[str, str]:
        return {"X-API-Key": self.api_key} if self.api_key else {}

    def put_bytes(self, url: str, data: bytes, headers: Dict[str, str], trace: Optional[Trace] = None) -> Response:
        """A plain PUT (for presigned upload URLs: no signature, no token), with the retry policy.

        One to Loupe itself carries ``trace``; object storage gets no ``traceparent``, which a
        bucket's CORS rules may not allow."""
        target = self.url(url)
        in_trace = (trace if trace is not None else self.trace_for()) if target.startswith(self.base_url + "/") else None

        def build() -> "tuple[Optional[bytes], Dict[str, str]]":
            return data, {**({"traceparent": in_trace.traceparent()} if in_trace is not None else {}), **headers}

        return self.transport.request("PUT", target, build)

    def url(self, path_or_url: str) -> str:
        """Absolute URL for an API path; absolute URLs pass through, relative ones join the base."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        if not path_or_url.startswith("/"):
            path_or_url = "/" + path_or_url
        return self.base_url + path_or_url


def _decode(response: Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:  # includes UnicodeDecodeError and json.JSONDecodeError
        raise LoupeError(
            response.status,
            "bad_response",
            f"expected JSON, got {response.body[:200]!r}",
            response.headers.get("X-Request-Id"),
        ) from exc


def _segment(value: str) -> str:
    return urllib.parse.quote(str(value), safe="")
