"""A pull worker (docs/dispatch.md#pull-claims): claims the work it has handlers for, runs each run
through its handle, keeps the leases alive meanwhile, and gives runs back when it is told to stop."""

from __future__ import annotations

import signal
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional

from ._handler_run import AnalysisHandler, Handler, JobHandler, OnRun, open_run, outcome_of, run_handler
from ._lease_keeper import LeaseKeeper
from ._run_handle import JSONDict, logger

if TYPE_CHECKING:  # pragma: no cover
    from .client import LoupeClient

__all__ = ["run_worker"]


def run_worker(
    client: "LoupeClient",
    *,
    analysis: Optional[AnalysisHandler] = None,
    job: Optional[JobHandler] = None,
    batch: int = 1,
    wait_seconds: int = 20,
    stop: Optional[threading.Event] = None,
    on_run: Optional[OnRun] = None,
    install_signal_handlers: bool = False,
    idle_seconds: float = 2.0,
) -> int:
    """Claims the kinds of run it has a handler for, ``batch`` at a time, and runs them one after
    another: ``handler(run, claimed)`` inside ``client.analysis(id)`` / ``client.job(id)``, so the
    run completes when the handler returns and fails when it raises; a cancel ends it quietly.
    ``claimed["data"]`` is what a push delivery of the run carries (the image URL among it).

    While a batch is held, a background thread renews each lease at about a third of its remaining
    time. A renewal that answers a cancel or ``lease_lost`` stops the run: ``run.should_stop``
    turns true and its next callback raises. Claims long-poll for ``wait_seconds`` (at most 20);
    claims that come back empty are at least ``idle_seconds`` apart.

    Setting ``stop`` (or, with ``install_signal_handlers``, SIGTERM or SIGINT; a second signal acts
    as it did before) ends the loop: nothing more is claimed, and the run in hand and the batch's
    unstarted runs are given back at once so another worker takes them. The run in hand sees
    ``run.should_stop``. ``on_run(claimed, outcome, error)`` hears how each claimed run ended:
    ``completed``, ``failed``, ``canceled``, ``lease_lost`` or ``released``. Returns how many runs
    were handed to a handler. An error from a claim itself ends the loop.
    """
    handlers: Dict[str, Handler] = {kind: h for kind, h in (("analysis", analysis), ("job", job)) if h is not None}
    if not handlers:
        raise TypeError("give an analysis or a job handler, or both")
    stop = stop if stop is not None else threading.Event()
    restore = _stop_on_signals(stop) if install_signal_handlers else None
    handled = 0
    try:
        while not stop.is_set():
            began = time.monotonic()
            claimed = client.claim(limit=batch, kinds=list(handlers), wait_seconds=wait_seconds)
            if claimed:
                handled += _work_through(client, claimed, handlers, stop, on_run)
            else:
                stop.wait(max(0.0, idle_seconds - (time.monotonic() - began)))
    finally:
        if restore is not None:
            restore()
    return handled


def _work_through(
    client: "LoupeClient", claimed: List[JSONDict], handlers: Dict[str, Handler], stop: threading.Event, on_run: Optional[OnRun]
) -> int:
    keeper = LeaseKeeper(client, stop)
    for item in claimed:
        keeper.hold(item)
    keeper.start()
    handled = 0
    unstarted = list(claimed)
    try:
        while unstarted and not stop.is_set():
            item = unstarted.pop(0)
            handle = open_run(client, str(item["kind"]), str(item["id"]))
            if keeper.begin(str(item["id"]), handle):
                handled += 1
                outcome, error = run_handler(handle, handlers[str(item["kind"])], item)
                keeper.finish(str(item["id"]))
            else:
                outcome, error = outcome_of(handle, None), handle._stopped
            _report(on_run, item, outcome, error)
    finally:
        keeper.close()  # gives back what the batch still holds
        for item in claimed:
            client._forget(str(item["id"]))
    for item in unstarted:
        _report(on_run, item, "released", None)
    return handled


def _report(on_run: Optional[OnRun], item: JSONDict, outcome: str, error: Optional[BaseException]) -> None:
    logger.debug("loupe: %s %s %s", item.get("kind"), item.get("id"), outcome)
    if on_run is not None:
        on_run(item, outcome, error)


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    if threading.current_thread() is not threading.main_thread():
        raise ValueError("signal handlers can only be installed from the main thread")
    previous: Dict[int, Any] = {}

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)

    def on_signal(signum: int, _frame: Any) -> None:
        logger.info("loupe: %s: giving back held runs and stopping", signal.Signals(signum).name)
        stop.set()
        restore()  # a second Ctrl-C interrupts as usual, should giving back hang

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, on_signal)
    return restore
