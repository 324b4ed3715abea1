"""Taking work with a pipeline key: claims, one run's claim, and the leases they hold
(docs/dispatch.md#pull-claims). Mixed into :class:`LoupeClient`."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any, Dict, List, Optional, cast

from ._transport import RETRY_ALL, RETRY_RATE_LIMIT, Transport
from .errors import LoupeError

__all__ = ["Claims", "RUN_KINDS", "MAX_CLAIM_WAIT_SECONDS"]

JSONDict = Dict[str, Any]

RUN_KINDS = ("analysis", "job")
MAX_CLAIM_WAIT_SECONDS = 20
"""The longest long-poll the server holds a claim open for."""

# A long-poll's answer may come at the very end of the wait; it must not be cut off by the
# client's own timeout, since a claim whose answer is lost has still taken its runs.
_LONG_POLL_MARGIN_SECONDS = 10.0


class Claims:
    """``claim``, ``claim_run``, ``renew`` and ``release``: each run taken keeps its credential and
    lease token on the client, so its callbacks are signed with the one and carry the other as
    ``X-ML-Lease`` (which renews the lease)."""

    api_key: Optional[str]
    transport: Transport
    _leases: Dict[str, str]
    _credentials: Dict[str, str]

    if TYPE_CHECKING:  # pragma: no cover - LoupeClient defines them

        def user_request(self, method: str, path: str, payload: Any = None, *, retry: str = ..., timeout: Optional[float] = None, trace: Any = None) -> Any: ...

        def use_credential(self, analysis_id: str, secret: str) -> None: ...

        def signing_secret(self, analysis_id: str) -> Optional[str]: ...

        def signed_request(
            self, method: str, path: str, payload: Any, *, retry: str = ..., secret: Any = ..., extra_headers: Optional[Dict[str, str]] = None, trace: Any = None
        ) -> Any: ...

    def claim(self, limit: int = 1, kinds: Optional[List[str]] = None, wait_seconds: int = 0) -> List[JSONDict]:
        """``POST /api/pipelines/claim``: the next queued analyses and runnable jobs this pipeline
        serves, which it then holds on a lease. With ``wait_seconds`` (at most 20) the server holds the
        request open until something is claimed or the wait is over (a long-poll). An empty list means
        nothing is waiting. Only 429 is retried: a claim whose answer was lost has still taken the runs."""
        self._need_key()
        if not isinstance(wait_seconds, int) or not 0 <= wait_seconds <= MAX_CLAIM_WAIT_SECONDS:
            raise ValueError(f"wait_seconds must be a whole number of seconds from 0 to {MAX_CLAIM_WAIT_SECONDS}")
        body: JSONDict = {"limit": limit}
        if kinds is not None:
            body["kinds"] = list(kinds)
        timeout = None
        if wait_seconds > 0:
            body["wait_seconds"] = wait_seconds
            timeout = max(self.transport.timeout, wait_seconds + _LONG_POLL_MARGIN_SECONDS)
        answer = self.user_request("POST", "/api/pipelines/claim", body, retry=RETRY_RATE_LIMIT, timeout=timeout)
        claimed = cast(List[JSONDict], answer["claimed"])
        for run in claimed:
            self._hold(run)
        return claimed

    def claim_run(self, kind: str, run_id: str) -> JSONDict:
        """``POST /api/analyses/{id}/claim`` or ``/api/jobs/{id}/claim``: takes this one run, as
        :meth:`claim` would (409 ``already_claimed`` when another claim holds it). The server checks
        it as a callback on the run, so it is signed like one, beside the key."""
        self._need_key()
        path = f"{_base(kind)}/{_segment(run_id)}/claim"
        run = cast(JSONDict, self.signed_request("POST", path, {}, retry=RETRY_RATE_LIMIT, secret=self.signing_secret(run_id)))
        self._hold(run)
        return run

    def renew(self, kind: str, run_id: str) -> JSONDict:
        """``POST /api/pipelines/claim/renew`` with the lease this client holds on the run; returns
        ``{"token", "expires_at"}`` and keeps the token. A 409 (``lease_lost`` as :class:`LeaseLost`,
        a cancel as :class:`RunCanceled`, ``*_finalized``) raises, and the lease is forgotten."""
        lease = cast(JSONDict, self._lease_call("/api/pipelines/claim/renew", kind, run_id))
        if lease.get("token"):
            self._leases[str(run_id)] = str(lease["token"])
        return lease

    def release(self, kind: str, run_id: str) -> JSONDict:
        """``POST /api/pipelines/claim/release``: gives the run back so another worker can claim it
        at once (a started run goes back to ``queued``). The client forgets the lease."""
        answer = cast(JSONDict, self._lease_call("/api/pipelines/claim/release", kind, run_id))
        self._leases.pop(str(run_id), None)
        return answer

    def _lease_call(self, path: str, kind: str, run_id: str) -> Any:
        self._need_key()
        _base(kind)
        token = self._leases.get(str(run_id))
        if token is None:
            raise ValueError(f"this client holds no lease on {kind} {run_id}; claim it first")
        try:
            return self.user_request("POST", path, {"kind": kind, "id": str(run_id), "token": token}, retry=RETRY_ALL)
        except LoupeError as exc:
            # After a 409 the token is worth nothing; any other failure may be retried with it.
            if exc.status == 409:
                self._leases.pop(str(run_id), None)
            raise

    def _hold(self, run: JSONDict) -> None:
        callback = (run.get("data") or {}).get("callback")
        if isinstance(callback, dict) and callback.get("secret"):
            self.use_credential(str(run["id"]), str(callback["secret"]))
        lease = run.get("lease")
        if isinstance(lease, dict) and lease.get("token"):
            self._leases[str(run["id"])] = str(lease["token"])

    def _forget(self, run_id: str) -> None:
        # A long-running worker takes thousands of runs; what it kept for finished ones goes.
        self._leases.pop(str(run_id), None)
        self._credentials.pop(str(run_id), None)

    def _need_key(self) -> None:
        if not self.api_key:
            raise ValueError("claiming work needs a pipeline key (api_key)")


def _base(kind: str) -> str:
    if kind not in RUN_KINDS:
        raise ValueError(f"kind must be one of {', '.join(RUN_KINDS)}, not {kind!r}")
    return "/api/analyses" if kind == "analysis" else "/api/jobs"


def _segment(value: str) -> str:
    return urllib.parse.quote(str(value), safe="")
