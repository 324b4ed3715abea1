"""W3C Trace Context (https://www.w3.org/TR/trace-context/) on the client side: the ``traceparent``
every request sends, so the Worker's log lines, the pipeline's and the webhooks in between can be
found by one trace id (docs/operations.md#traces)."""

from __future__ import annotations

import re
import secrets
from typing import Optional, Tuple

__all__ = ["Trace", "parse_traceparent"]

_TRACEPARENT = re.compile(r"^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$")
_ZERO_TRACE = "0" * 32
_ZERO_SPAN = "0" * 16
# Every request the SDK makes is logged by Loupe, so each span is recorded: always "sampled".
_SAMPLED = "01"


def parse_traceparent(header: Optional[str]) -> Optional[Tuple[str, str]]:
    """``(trace_id, parent_span_id)`` of a ``traceparent``, or ``None`` when it is not a valid one:
    wrong shape, uppercase hex, version ff, zero ids, or a version-00 header with anything after
    the flags. Later versions may append fields, which are ignored as the spec says."""
    match = _TRACEPARENT.match((header or "").strip())
    if match is None:
        return None
    version, trace_id, span_id, _flags, rest = match.groups()
    if version == "ff" or (version == "00" and rest is not None):
        return None
    if trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    return trace_id, span_id


class Trace:
    """One trace the SDK's requests belong to: a run's, or the client's. Each request gets a span
    of its own under the same trace id, so the server sees every request, and every retry, apart."""

    def __init__(self, trace_id: str, parent_span_id: Optional[str] = None) -> None:
        self.trace_id = trace_id
        """32 lowercase hex digits."""
        self.parent_span_id = parent_span_id
        """The span of whoever handed this trace over (a webhook's sender), when it was continued."""

    @classmethod
    def start(cls) -> "Trace":
        """A new trace."""
        return cls(secrets.token_hex(16))

    @classmethod
    def continue_from(cls, traceparent: Optional[str]) -> "Trace":
        """Continues ``traceparent`` (same trace id) when it is valid; starts a new trace when it is
        missing or malformed."""
        parsed = parse_traceparent(traceparent)
        return cls(*parsed) if parsed is not None else cls.start()

    def traceparent(self) -> str:
        """The ``traceparent`` for one outgoing request: this trace, a fresh span."""
        return f"00-{self.trace_id}-{secrets.token_hex(8)}-{_SAMPLED}"

    def __repr__(self) -> str:
        return f"Trace({self.trace_id!r})"
