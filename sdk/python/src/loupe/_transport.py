"""HTTP with the SDK's retry policy, on urllib only.

Retries: network errors, 429 and 5xx, with exponential backoff and full jitter
(``delay = random() * min(backoff_max, backoff_base * 2**attempt)``), or exactly the server's
``Retry-After`` (seconds or an HTTP date) when it sends one. Never on any other 4xx. ``build`` is
called again for every attempt so that signed requests get a new timestamp and nonce each time.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timezone
from email.message import Message
from typing import Any, Callable, Dict, Optional, Tuple

from .errors import LoupeError, error_from_response

logger = logging.getLogger("loupe")

Builder = Callable[[], Tuple[Optional[bytes], Dict[str, str]]]

RETRY_ALL = "all"
"""Retry network errors, 429 and 5xx (for idempotent requests)."""
RETRY_RATE_LIMIT = "rate_limit"
"""Retry 429 only: the server said it did nothing. For requests that are unsafe to repeat."""


@dataclass
class Response:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Signed requests must not be replayed elsewhere behind our back; surface 3xx as errors."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or ``None``."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        current = now if now is not None else time.time()
        return max(0.0, when.timestamp() - current)
    if seconds != seconds or seconds < 0:  # NaN or negative
        return None
    return seconds


def is_retryable_status(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


class Transport:
    def __init__(
        self,
        *,
        timeout: float = 30,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_retry_after: float = 300.0,
        sleep: Optional[Callable[[float], None]] = None,
        rand: Optional[Callable[[], float]] = None,
        user_agent: str = "loupe-python",
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_retry_after = max_retry_after
        self.sleep: Callable[[float], None] = sleep if sleep is not None else time.sleep
        self.rand: Callable[[], float] = rand if rand is not None else random.random
        self.user_agent = user_agent
        self._opener = urllib.request.build_opener(_NoRedirect)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(backoff_max, backoff_base * 2**attempt))."""
        return self.rand() * min(self.backoff_max, self.backoff_base * 2.0 ** min(attempt, 60))

    def request(self, method: str, url: str, build: Builder, *, retry: str = RETRY_ALL, timeout: Optional[float] = None) -> Response:
        attempt = 0
        while True:
            body, headers = build()
            try:
                response = self._send(method, url, body, headers, timeout if timeout is not None else self.timeout)
            except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if retry != RETRY_ALL or attempt >= self.max_retries:
                    raise LoupeError(None, "network_error", f"{method} {url} failed: {reason}") from exc
                delay = self.backoff(attempt)
                logger.debug("loupe: %s %s network error (%s); retry %d in %.2fs", method, url, reason, attempt + 1, delay)
            else:
                if 200 <= response.status < 300:
                    return response
                error = error_from_response(response.status, response.body, response.headers)
                retryable = response.status == 429 if retry != RETRY_ALL else is_retryable_status(response.status)
                if not retryable or attempt >= self.max_retries:
                    raise error
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None:
                    if retry_after > self.max_retry_after:
                        # Waiting less than the server asked would only be refused again.
                        raise error
                    delay = retry_after
                else:
                    delay = self.backoff(attempt)
                logger.debug(
                    "loupe: %s %s answered %d %s; retry %d in %.2fs", method, url, response.status, error.code, attempt + 1, delay
                )
            self.sleep(delay)
            attempt += 1

    def _send(self, method: str, url: str, body: Optional[bytes], headers: Dict[str, str], timeout: float) -> Response:
        all_headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        all_headers.update(headers)
        req = urllib.request.Request(url, data=body, headers=all_headers, method=method)
        try:
            with self._opener.open(req, timeout=timeout) as resp:
                return Response(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as err:
            try:
                payload = err.read()
            except (OSError, http.client.HTTPException):
                payload = b""
            finally:
                err.close()
            return Response(err.code, err.headers, payload)
