"""The Loupe client: user calls (Bearer token) and HMAC-signed pipeline callbacks."""

from __future__ import annotations

import time
import urllib.parse
from typing import Any, Callable, Dict, Optional, cast

from ._transport import RETRY_ALL, RETRY_RATE_LIMIT, Response, Transport
from ._version import __version__
from .errors import LoupeError
from .run import AnalysisRun
from .signing import sign_request, serialize_body
from .wire import MAX_LOG_LINES_PER_REQUEST

__all__ = ["LoupeClient"]

JSONDict = Dict[str, Any]


class LoupeClient:
    """A client for one Loupe deployment.

    ``secret`` is the shared ``ML_CALLBACK_HMAC_SECRET`` used to sign pipeline callbacks (``None``
    sends them unsigned, which only a server with ``ML_PIPELINE_REQUIRE_HMAC=false`` accepts).
    ``token`` is a user's API token, needed only for user endpoints such as :meth:`create_analysis`.

    Every request retries network errors, 429 and 5xx up to ``max_retries`` times with exponential
    backoff and full jitter, honouring ``Retry-After``; other 4xx raise at once.
    """

    def __init__(
        self,
        base_url: str,
        secret: Optional[str],
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
    ) -> None:
        if not base_url:
            raise ValueError("base_url is required, e.g. http://localhost:8787")
        if max_bulk < 1:
            raise ValueError("max_bulk must be at least 1")
        if not 1 <= log_batch_size <= MAX_LOG_LINES_PER_REQUEST:
            raise ValueError(f"log_batch_size must be between 1 and {MAX_LOG_LINES_PER_REQUEST}")
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.token = token
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
        return cast(JSONDict, self.user_request("POST", f"/api/images/{_segment(image_id)}/analyses", payload, retry=retry))

    def get_analysis(self, analysis_id: str) -> JSONDict:
        """``GET /api/analyses/{id}``: the analysis with its annotations (user endpoint)."""
        return cast(JSONDict, self.user_request("GET", f"/api/analyses/{_segment(analysis_id)}"))

    def cancel_analysis(self, analysis_id: str) -> JSONDict:
        """``POST /api/analyses/{id}/cancel`` (editor or owner). The pipeline sees ``AnalysisCanceled``."""
        return cast(JSONDict, self.user_request("POST", f"/api/analyses/{_segment(analysis_id)}/cancel"))

    # ---- pipeline callbacks (HMAC) -----------------------------------------------------------

    def analysis(self, analysis_id: str) -> AnalysisRun:
        """A handle for reporting on one analysis; use it as a context manager to finalize it."""
        return AnalysisRun(self, analysis_id)

    def signed_request(self, method: str, path: str, payload: Any, *, retry: str = RETRY_ALL) -> Any:
        """Sends ``payload`` to a pipeline callback, signed as the guide describes.

        Every attempt is signed afresh (new timestamp, new nonce), so a retry is never refused as
        stale or as a replay. Returns the decoded JSON response.
        """

        def build() -> "tuple[Optional[bytes], Dict[str, str]]":
            if self.secret is None:
                return serialize_body(payload), {"Content-Type": "application/json"}
            return sign_request(payload, self.secret, nonce=self.nonce)

        return _decode(self.transport.request(method, self.url(path), build, retry=retry))

    def user_request(self, method: str, path: str, payload: Any = None, *, retry: str = RETRY_ALL) -> Any:
        """Sends a user request with ``Authorization: Bearer <token>``; returns the decoded JSON."""
        body = serialize_body(payload) if payload is not None else None

        def build() -> "tuple[Optional[bytes], Dict[str, str]]":
            headers: Dict[str, str] = {}
            if body is not None:
                headers["Content-Type"] = "application/json"
            if self.token:
                headers["Authorization"] = f"Bearer {self.token}"
            return body, headers

        return _decode(self.transport.request(method, self.url(path), build, retry=retry))

    def put_bytes(self, url: str, data: bytes, headers: Dict[str, str]) -> Response:
        """A plain PUT (for presigned upload URLs: no signature, no token), with the retry policy."""
        return self.transport.request("PUT", self.url(url), lambda: (data, dict(headers)))

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
