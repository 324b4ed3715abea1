"""Keeps a worker's claimed runs held while it works through them: renews each lease at a third of
its remaining time on a background thread, and gives every run back once the worker is told to stop."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Dict, List, Optional

from ._run_handle import JSONDict, RunHandle, logger
from .errors import LeaseLost, LoupeError

if TYPE_CHECKING:  # pragma: no cover
    from .client import LoupeClient

# Never renew more often than this, even when the server's clock makes a lease look already over.
MIN_RENEW_SECONDS = 1.0
DEFAULT_LEASE_SECONDS = 300.0
POLL_SECONDS = 0.1


@dataclass
class _Held:
    kind: str
    id: str
    expires_at: float  # Unix seconds, as the server said
    due: float = 0.0  # time.monotonic() of the next renewal
    handle: Optional[RunHandle] = None


class LeaseKeeper:
    def __init__(self, client: "LoupeClient", stop: threading.Event) -> None:
        self._client = client
        self._stop = stop
        self._held: Dict[str, _Held] = {}
        self._lost: Dict[str, LoupeError] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="loupe-lease-keeper", daemon=True)

    def hold(self, claimed: JSONDict) -> None:
        held = _Held(str(claimed["kind"]), str(claimed["id"]), 0.0)
        self._schedule(held, _expiry((claimed.get("lease") or {}).get("expires_at")))
        with self._lock:
            self._held[held.id] = held

    def start(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def begin(self, run_id: str, handle: RunHandle) -> bool:
        """Attaches the handle a handler is about to get, so a cancel or a lost lease reaches it.
        False (the handle already stopped) when the run was lost or given back before its turn."""
        with self._lock:
            held = self._held.get(run_id)
            if held is not None:
                held.handle = handle
                return True
            reason = self._lost.get(run_id) or _released(handle.noun, run_id)
        handle._stop(reason)
        return False

    def finish(self, run_id: str) -> None:
        with self._lock:
            self._held.pop(run_id, None)

    def close(self) -> None:
        """Stops renewing, and gives back whatever is still held (the worker ended early)."""
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join()
        self._give_back()

    def _loop(self) -> None:
        while not self._closed.wait(POLL_SECONDS):
            if self._stop.is_set():
                self._give_back()
                return
            now = time.monotonic()
            with self._lock:
                due = [held for held in self._held.values() if held.due <= now]
            for held in due:
                self._renew(held)

    def _renew(self, held: _Held) -> None:
        try:
            lease = self._client.renew(held.kind, held.id)
        except ValueError:  # the run finished meanwhile and the client forgot its lease
            self.finish(held.id)
        except LoupeError as exc:
            if exc.status == 409:  # canceled, lease lost, or finished elsewhere: nothing left to hold
                self._end(held, exc)
            else:
                logger.warning("loupe: could not renew the lease on %s %s: %s", held.kind, held.id, exc)
                self._schedule(held, held.expires_at)
        else:
            self._schedule(held, _expiry(lease.get("expires_at")))

    def _end(self, held: _Held, reason: LoupeError) -> None:
        with self._lock:
            self._held.pop(held.id, None)
            self._lost[held.id] = reason
        if held.handle is not None and not held.handle.finalized:
            held.handle._stop(reason)

    def _give_back(self) -> None:
        with self._lock:
            runs: List[_Held] = list(self._held.values())
            self._held.clear()
        for held in runs:
            reason = _released(held.kind, held.id)
            with self._lock:
                self._lost[held.id] = reason
            # Stop the handler before the release, so it never reports on a run that is queued again.
            if held.handle is not None and not held.handle.finalized:
                held.handle._stop(reason)
            try:
                self._client.release(held.kind, held.id)
            except LoupeError as exc:
                # A 409 means the run already ended or moved on: there was nothing left to give back.
                level = logging.DEBUG if exc.status == 409 else logging.WARNING
                logger.log(level, "loupe: could not give back %s %s: %s", held.kind, held.id, exc)
            except ValueError:  # the client no longer holds its lease
                pass

    @staticmethod
    def _schedule(held: _Held, expires_at: float) -> None:
        held.expires_at = expires_at
        held.due = time.monotonic() + max(MIN_RENEW_SECONDS, (expires_at - time.time()) / 3)


def _expiry(value: object) -> float:
    if isinstance(value, str):
        try:
            # fromisoformat reads "Z" only from Python 3.11 on.
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return time.time() + DEFAULT_LEASE_SECONDS


def _released(kind: str, run_id: str) -> LeaseLost:
    return LeaseLost(None, "released", f"{kind} {run_id} was given back: the worker is stopping")
