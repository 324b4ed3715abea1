"""Errors raised by the Loupe SDK.

Every error response from Loupe has the shape ``{"error": {"code", "message", "details"}}`` and an
``X-Request-Id`` header; :class:`LoupeError` carries all four so a failure can be traced server-side.
"""

from __future__ import annotations

import json
from email.message import Message
from typing import Any, Mapping, Optional, Union

__all__ = ["LoupeError", "RunCanceled", "AnalysisCanceled", "JobCanceled", "LeaseLost", "error_from_response"]

Headers = Union[Mapping[str, str], Message]


class LoupeError(Exception):
    """A request to Loupe failed.

    ``status`` is the HTTP status, or ``None`` when no response arrived (``code`` is then
    ``"network_error"``). ``code`` is the server's machine-readable error code (``validation_error``,
    ``signature_invalid``, ``illegal_transition``, ...), ``request_id`` the server's ``X-Request-Id``.
    """

    status: Optional[int]
    code: str
    message: str
    request_id: Optional[str]
    details: Any

    def __init__(
        self,
        status: Optional[int],
        code: str,
        message: str,
        request_id: Optional[str] = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.details = details

    def __str__(self) -> str:
        where = f"HTTP {self.status}" if self.status is not None else "no response"
        text = f"{self.code}: {self.message} ({where}"
        if self.request_id:
            text += f", request id {self.request_id}"
        return text + ")"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class RunCanceled(LoupeError):
    """A run (an analysis or a job) was canceled: stop working on it. It is already final."""


class AnalysisCanceled(RunCanceled):
    """The analysis was canceled by a user (409 ``analysis_canceled``): stop working on it.

    Raised by any pipeline callback once the analysis is canceled. Do not call ``fail()`` afterwards;
    the analysis is already final.
    """


class JobCanceled(RunCanceled):
    """The job was canceled by a user (409 ``job_canceled``); like :class:`AnalysisCanceled`, for jobs."""


class LeaseLost(LoupeError):
    """This worker no longer holds the run: its lease ran out and another claim took it (409
    ``lease_lost``), or the worker gave it back (``code`` ``released``). Stop working on it without
    finalizing: the run is not final, and whoever holds it now reports on it.
    """


_CONFLICTS = {"analysis_canceled": AnalysisCanceled, "job_canceled": JobCanceled, "lease_lost": LeaseLost}


def _header(headers: Optional[Headers], name: str) -> Optional[str]:
    if headers is None:
        return None
    # email.message.Message (urllib's headers) is case-insensitive; a plain dict is not.
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value)
    return None


def error_from_response(status: int, body: bytes, headers: Optional[Headers] = None, reason: str = "") -> LoupeError:
    """Builds the error for a non-2xx response from the server's error envelope."""
    request_id = _header(headers, "X-Request-Id")
    code = f"http_{status}"
    message = reason or f"HTTP {status}"
    details: Any = None
    try:
        parsed = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, ValueError):
        parsed = None
        text = body.decode("utf-8", "replace").strip()
        if text:
            message = text[:500]
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
        envelope = parsed["error"]
        code = str(envelope.get("code") or code)
        message = str(envelope.get("message") or message)
        details = envelope.get("details")
    cls = _CONFLICTS.get(code, LoupeError) if status == 409 else LoupeError
    return cls(status, code, message, request_id, details)
