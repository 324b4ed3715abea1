"""One run through its handler, the same for a pull worker and a push receiver: the handle's
context manager finalizes it, and how it ended is told apart for ``on_run``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple, Union

from ._run_handle import RunHandle, logger
from .errors import LeaseLost, RunCanceled
from .job_run import JobRun
from .run import AnalysisRun

if TYPE_CHECKING:  # pragma: no cover
    from .client import LoupeClient

JSONDict = Dict[str, Any]

AnalysisHandler = Callable[[AnalysisRun, JSONDict], Any]
JobHandler = Callable[[JobRun, JSONDict], Any]
Handler = Union[AnalysisHandler, JobHandler]
OnRun = Callable[[JSONDict, str, Optional[BaseException]], Any]
"""``on_run(item, outcome, error)``; outcome is one of :data:`OUTCOMES`."""

OUTCOMES = ("completed", "failed", "canceled", "lease_lost", "released")


def open_run(client: "LoupeClient", kind: str, run_id: str, traceparent: Optional[str] = None) -> RunHandle:
    """The run's handle, continuing ``traceparent`` (a push delivery's) when one came with it."""
    return client.analysis(run_id, traceparent=traceparent) if kind == "analysis" else client.job(run_id, traceparent=traceparent)


def run_handler(handle: RunHandle, handler: Handler, item: JSONDict) -> Tuple[str, Optional[Exception]]:
    """Runs ``handler(run, item)`` inside the handle's ``with`` block; returns the outcome and the
    exception that ended it, if any. Only ``Exception`` is caught: an interrupt still ends the process."""
    error: Optional[Exception] = None
    try:
        with handle as run:
            handler(run, item)  # type: ignore[arg-type]
    except Exception as exc:
        error = exc
    ended = outcome_of(handle, error)
    if ended == "failed":
        logger.warning("loupe: %s %s failed", handle.noun, handle.id, exc_info=error)
    return ended, error


def outcome_of(handle: RunHandle, error: Optional[BaseException]) -> str:
    if handle.canceled or isinstance(error, RunCanceled):
        return "canceled"
    if handle.finalized:
        # A finalize that went through wins over a stop that raced it (a renewal or a release answering 409).
        return "failed" if error is not None or handle.status == "failed" else "completed"
    stopped = handle._stopped or (error if isinstance(error, LeaseLost) else None)
    if stopped is not None:
        return "released" if stopped.code == "released" else "lease_lost"
    return "failed" if error is not None else "completed"
