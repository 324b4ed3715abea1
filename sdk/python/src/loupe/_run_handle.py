"""What every run's handle does, analysis or job: status, progress and stages, logs, artifacts, finalize."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from types import TracebackType
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple, Type, TypeVar, Union, cast

from ._trace import Trace
from .errors import LeaseLost, LoupeError, RunCanceled
from .wire import (
    ARTIFACT_CONTENT_TYPES,
    DEFAULT_STAGE_RANGES,
    LOG_LEVELS,
    MAX_ERROR_MESSAGE_CHARS,
    MAX_LOG_MESSAGE_CHARS,
    MAX_PROGRESS_MESSAGE_CHARS,
    MAX_STAGE_CHARS,
)

if TYPE_CHECKING:  # pragma: no cover
    from .client import LoupeClient

__all__ = ["RunHandle", "Stage"]

logger = logging.getLogger("loupe")

JSONDict = Dict[str, Any]

MAX_LOG_BATCH_BYTES = 900_000  # the server takes JSON bodies up to 1 MiB

LevelLike = Union[str, int]

_Run = TypeVar("_Run", bound="RunHandle")


def _utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _normalize_level(level: LevelLike) -> str:
    if isinstance(level, int) and not isinstance(level, bool):
        if level >= logging.ERROR:
            return "error"
        if level >= logging.WARNING:
            return "warning"
        if level >= logging.INFO:
            return "info"
        return "debug"
    name = str(level).strip().lower()
    if name == "warn":
        return "warning"
    if name in ("critical", "fatal", "exception"):
        return "error"
    if name not in LOG_LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LOG_LEVELS)}; got {level!r}")
    return name


def _check_fraction(fraction: float) -> float:
    value = float(fraction)
    if math.isnan(value):
        raise ValueError("progress must be a number between 0 and 1, not NaN")
    return min(1.0, max(0.0, value))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Stage:
    """One stage of a run, used as ``with run.stage("inference") as stage:``.

    Entering reports the stage with progress at the start of its range; leaving normally reports
    the end of the range. ``stage.progress(f)`` (or ``run.progress(f)`` inside the block) maps
    ``f`` in 0..1 into the range. An exception inside logs the error against the stage, reports
    it, and propagates.
    """

    def __init__(self, run: "RunHandle", name: str, start: float, end: float) -> None:
        self.run = run
        self.name = name
        self.start = start
        self.end = end
        self.started_at: Optional[float] = None
        self.ended_at: Optional[float] = None
        self.error: Optional[BaseException] = None

    @property
    def duration(self) -> Optional[float]:
        """Seconds the stage took (so far, while it runs); ``None`` before it starts."""
        if self.started_at is None:
            return None
        return (self.ended_at if self.ended_at is not None else time.monotonic()) - self.started_at

    def overall(self, fraction: float) -> float:
        """The run's overall progress for ``fraction`` (0..1) of this stage."""
        return self.start + _check_fraction(fraction) * (self.end - self.start)

    def progress(self, fraction: float, message: Optional[str] = None, *, force: bool = False) -> Optional[JSONDict]:
        """Reports ``fraction`` (0..1) of this stage done, mapped into the stage's share of the whole.

        Throttled like :meth:`RunHandle.progress`; returns the run's record, or ``None`` when skipped.
        """
        return self.run._report(self.overall(fraction), self.name, message, force)

    def log(self, level: LevelLike, message: str) -> None:
        self.run.log(level, message, stage=self.name)

    def __enter__(self) -> "Stage":
        self.run._enter_stage(self)
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.run._exit_stage(self, exc)

    def __repr__(self) -> str:
        return f"Stage({self.name!r}, {self.start:.3f}..{self.end:.3f})"


class RunHandle:
    """Reports on one run, an analysis or a job, through the callbacks both kinds share: status,
    progress, stages, logs, artifacts and finalize. :class:`AnalysisRun` and :class:`JobRun` add
    their own.

    As a context manager it finalizes the run: ``complete()`` on a normal exit (unless already
    finalized), ``fail(str(exc))`` when an exception escapes (then the exception propagates).
    """

    #: Where this kind of run takes its callbacks, and what it is called in messages.
    base_path = ""
    noun = "run"

    def __init__(self, client: "LoupeClient", run_id: str, trace: Optional[Trace] = None) -> None:
        self.client = client
        self.id = str(run_id)
        self.trace = trace if trace is not None else client.trace_for()
        """The trace all of this run's requests belong to, each with a span of its own."""
        self.record: Optional[JSONDict] = None
        """The latest record the server returned."""
        self.finalized = False
        self.canceled = False
        # Why this handle may no longer report (a cancel, a lost or given-back lease); set by
        # whichever thread learns it first, so the handler's own thread stops at its next call.
        self._stopped: Optional[LoupeError] = None
        self.stages: List[Stage] = []
        self._stage: Optional[Stage] = None
        self._cursor = 0.0
        self._lock = threading.Lock()
        self._log_buffer: List[JSONDict] = []
        self._last_log_flush = client.clock()
        self._last_progress_at: Optional[float] = None
        self._last_progress_stage: Optional[str] = None

    # ---- plumbing ----------------------------------------------------------------------------

    def _path(self, suffix: str) -> str:
        return f"{self.base_path}/{urllib.parse.quote(self.id, safe='')}/{suffix}"

    def _call(self, method: str, suffix: str, payload: Any) -> Any:
        if self._stopped is not None:
            # Reporting on a run this worker gave back would write into another worker's run.
            stopped = self._stopped
            raise type(stopped)(stopped.status, stopped.code, stopped.message, stopped.request_id, stopped.details)
        try:
            result = self.client.signed_request(
                method,
                self._path(suffix),
                payload,
                secret=self.client.signing_secret(self.id),
                extra_headers=self.client.run_headers(self.id),
                trace=self.trace,
            )
        except (RunCanceled, LeaseLost) as exc:
            self._stop(exc)
            raise
        if isinstance(result, dict) and "status" in result and result.get("id") == self.id:
            self.record = result
        return result

    def _stop(self, reason: LoupeError) -> None:
        self._stopped = reason
        if isinstance(reason, RunCanceled):
            self.canceled = True
            self.finalized = True

    @property
    def should_stop(self) -> bool:
        """True once this handle should stop working: the run was canceled, its lease was lost, or
        the worker is shutting down and gave it back. Long loops check it between steps; every later
        callback raises :class:`RunCanceled` or :class:`LeaseLost` anyway, and leaving the ``with``
        block finalizes nothing."""
        return self.canceled or self._stopped is not None

    @property
    def trace_id(self) -> str:
        """This run's W3C trace id, the one Loupe's log lines for its callbacks carry: log it to join them."""
        return self.trace.trace_id

    @property
    def status(self) -> Optional[str]:
        """The last status the server reported, if any call has returned the record."""
        return self.record.get("status") if self.record else None

    # ---- status and progress -----------------------------------------------------------------

    def start(self, message: Optional[str] = None) -> JSONDict:
        """``PATCH …/{id}/status`` to ``processing`` (a no-op if it already is)."""
        self._maybe_flush_logs()
        payload: JSONDict = {"status": "processing"}
        if message is not None:
            payload["message"] = _clip(message, MAX_PROGRESS_MESSAGE_CHARS)
        return cast(JSONDict, self._call("PATCH", "status", payload))

    def progress(
        self, fraction: float, stage: Optional[str] = None, message: Optional[str] = None, *, force: bool = False
    ) -> Optional[JSONDict]:
        """``POST …/{id}/progress``.

        Inside ``with run.stage(name):`` (and with ``stage`` omitted or equal to that name),
        ``fraction`` is the fraction of that stage and is mapped into its share of the whole;
        otherwise it is the overall fraction. Plain updates (same stage, no message) closer together
        than the client's ``progress_interval`` are skipped, so calling this in a tight loop is
        cheap; pass ``force=True`` to always send. Returns the analysis, or ``None`` when skipped.
        """
        current = self._stage
        if current is not None and (stage is None or stage == current.name):
            return self._report(current.overall(fraction), current.name, message, force)
        overall = _check_fraction(fraction)
        if current is None:
            self._cursor = max(self._cursor, overall)
        return self._report(overall, stage, message, force)

    def _report(self, overall: float, stage: Optional[str], message: Optional[str], force: bool) -> Optional[JSONDict]:
        self._maybe_flush_logs()
        now = self.client.clock()
        if (
            not force
            and message is None
            and stage == self._last_progress_stage
            and self._last_progress_at is not None
            and now - self._last_progress_at < self.client.progress_interval
        ):
            return None
        return self._send_progress(overall, stage, message)

    def _send_progress(self, overall: Optional[float], stage: Optional[str], message: Optional[str]) -> JSONDict:
        payload: JSONDict = {}
        if overall is not None:
            payload["progress"] = round(overall, 6)
        if stage is not None:
            payload["stage"] = _clip(stage, MAX_STAGE_CHARS)
        if message is not None:
            payload["message"] = _clip(message, MAX_PROGRESS_MESSAGE_CHARS)
        result = cast(JSONDict, self._call("POST", "progress", payload))
        self._last_progress_at = self.client.clock()
        self._last_progress_stage = stage
        return result

    # ---- stages ------------------------------------------------------------------------------

    def stage(self, name: str, weight: Optional[float] = None, *, span: Optional[Tuple[float, float]] = None) -> Stage:
        """A stage as a context manager: ``with run.stage("inference") as stage: ...``.

        Its share of the overall progress is, in order of precedence: ``span=(start, end)``;
        ``weight`` (a fraction of the whole, starting where the previous stage ended); its name's
        range in :data:`DEFAULT_STAGE_RANGES` (preprocess 10–15 %, inference 15–65 %, postprocess
        65–75 %, stitch 75–85 %, thumbnails 85–95 %, finalization 95–100 %); otherwise an empty
        range at the current progress (the stage and its timing are still reported).
        """
        if not name or not name.strip():
            raise ValueError("a stage needs a name")
        if span is not None:
            start, end = (_check_fraction(span[0]), _check_fraction(span[1]))
            if end < start:
                raise ValueError("span must be (start, end) with start <= end")
        elif weight is not None:
            if weight < 0:
                raise ValueError("weight must be >= 0")
            start = self._cursor
            end = min(1.0, start + float(weight))
        elif name in DEFAULT_STAGE_RANGES:
            start, end = DEFAULT_STAGE_RANGES[name]
        else:
            start = end = self._cursor
        return Stage(self, name, start, end)

    def _enter_stage(self, stage: Stage) -> None:
        if self._stage is not None:
            raise RuntimeError(f"stage {stage.name!r} started inside stage {self._stage.name!r}; stages do not nest")
        if self.finalized:
            raise RuntimeError(f"{self.noun} {self.id} is already finalized")
        self._stage = stage
        stage.started_at = time.monotonic()
        self.stages.append(stage)
        try:
            self.log("info", "Stage started", stage=stage.name)
            self._send_progress(stage.start, stage.name, f"{stage.name} started")
        except BaseException:
            self._stage = None
            raise

    def _exit_stage(self, stage: Stage, exc: Optional[BaseException]) -> None:
        stage.ended_at = time.monotonic()
        self._stage = None
        if exc is None:
            self._cursor = max(self._cursor, stage.end)
            self.log("info", f"Stage completed in {stage.duration:.2f}s", stage=stage.name)
            self._send_progress(stage.end, stage.name, f"{stage.name} completed")
            return
        stage.error = exc
        if self.should_stop or isinstance(exc, (RunCanceled, LeaseLost)):
            return
        text = str(exc) or type(exc).__name__
        self.log("error", f"Stage failed after {stage.duration:.2f}s: {type(exc).__name__}: {text}", stage=stage.name)
        try:
            self.flush()
            self._send_progress(None, stage.name, f"{stage.name} failed: {text}")
        except LoupeError as secondary:  # the original exception matters more
            logger.warning("loupe: could not report the failure of stage %r: %s", stage.name, secondary)

    # ---- logs --------------------------------------------------------------------------------

    def log(self, level: LevelLike, message: str, stage: Optional[str] = None) -> None:
        """Buffers a log line; lines go out in batches (``POST …/{id}/logs``).

        A batch is sent when the buffer holds ``log_batch_size`` lines, when ``log_flush_interval``
        seconds have passed by the time of a later call, and on ``complete()``, ``fail()`` and
        ``close()``. Levels: debug, info, warning (or warn), error, or a ``logging`` level number.
        Inside a stage, lines are tagged with it. Delivery is best effort: only ``flush()`` raises
        on failure (``RunCanceled`` and ``LeaseLost`` always propagate).
        """
        if stage is None and self._stage is not None:
            stage = self._stage.name
        line: JSONDict = {
            "ts": _utc_now_iso(),
            "level": _normalize_level(level),
            "message": _clip(str(message), MAX_LOG_MESSAGE_CHARS),
        }
        if stage is not None:
            line["stage"] = _clip(stage, MAX_STAGE_CHARS)
        with self._lock:
            self._log_buffer.append(line)
            full = len(self._log_buffer) >= self.client.log_batch_size
        if full:
            self._flush_quietly()
        else:
            self._maybe_flush_logs()

    def debug(self, message: str) -> None:
        self.log("debug", message)

    def info(self, message: str) -> None:
        self.log("info", message)

    def warning(self, message: str) -> None:
        self.log("warning", message)

    def error(self, message: str) -> None:
        self.log("error", message)

    def flush(self) -> int:
        """Sends every buffered log line now; returns how many were sent. Raises on failure."""
        with self._lock:
            lines, self._log_buffer = self._log_buffer, []
            self._last_log_flush = self.client.clock()
        if not lines or self.should_stop:
            return 0
        for batch in self._log_batches(lines):
            self._call("POST", "logs", {"lines": batch})
        return len(lines)

    def _log_batches(self, lines: List[JSONDict]) -> Iterable[List[JSONDict]]:
        batch: List[JSONDict] = []
        size = 0
        for line in lines:
            line_bytes = len(json.dumps(line)) + 2
            if batch and (len(batch) >= self.client.log_batch_size or size + line_bytes > MAX_LOG_BATCH_BYTES):
                yield batch
                batch, size = [], 0
            batch.append(line)
            size += line_bytes
        if batch:
            yield batch

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except (RunCanceled, LeaseLost):
            raise
        except LoupeError as exc:
            logger.warning("loupe: dropped log lines for %s %s: %s", self.noun, self.id, exc)

    def _maybe_flush_logs(self) -> None:
        with self._lock:
            due = bool(self._log_buffer) and self.client.clock() - self._last_log_flush >= self.client.log_flush_interval
        if due:
            self._flush_quietly()

    # ---- artifacts ---------------------------------------------------------------------------

    def upload(self, artifact_type: str, filename: str, data: bytes, content_type: Optional[str] = None) -> str:
        """Uploads an artifact; returns its ``storage_path`` (for an annotation's ``storage_path``).

        ``POST …/{id}/artifacts/presign``, then ``PUT`` the bytes to the returned
        ``upload_url`` with the returned headers (no signature: the URL authenticates itself).
        """
        self._maybe_flush_logs()
        body = bytes(data)
        payload: JSONDict = {"artifact_type": artifact_type, "filename": filename, "content_length": len(body)}
        if content_type is not None:
            payload["content_type"] = content_type
        presign = self._call("POST", "artifacts/presign", payload)
        if not isinstance(presign, dict) or "upload_url" not in presign or "storage_path" not in presign:
            raise LoupeError(None, "bad_response", f"presign answered without upload_url/storage_path: {presign!r}")
        headers = {str(k): str(v) for k, v in (presign.get("headers") or {}).items()}
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = content_type or ARTIFACT_CONTENT_TYPES.get(artifact_type, "application/octet-stream")
        self.client.put_bytes(str(presign["upload_url"]), body, headers, trace=self.trace)
        return str(presign["storage_path"])

    # ---- finalize ----------------------------------------------------------------------------

    def complete(self) -> JSONDict:
        """Flushes logs, then ``POST …/{id}/finalize`` with ``{"status": "completed"}``."""
        self._flush_quietly()
        result = cast(JSONDict, self._call("POST", "finalize", {"status": "completed"}))
        self.finalized = True
        return result

    def fail(self, error_message: str) -> JSONDict:
        """Flushes logs, then finalizes as ``failed`` with ``error_message``."""
        self._flush_quietly()
        message = _clip(str(error_message) or "failed", MAX_ERROR_MESSAGE_CHARS)
        result = cast(JSONDict, self._call("POST", "finalize", {"status": "failed", "error_message": message}))
        self.finalized = True
        return result

    def close(self) -> None:
        """Flushes buffered logs (best effort). Does not finalize."""
        if not self.should_stop:
            self._flush_quietly()

    def __enter__(self: _Run) -> _Run:
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        if exc is None:
            if self.should_stop:
                return
            if self.finalized:
                self.close()
            else:
                self.complete()
            return
        if self.should_stop or isinstance(exc, (RunCanceled, LeaseLost)) or self.finalized:
            return
        try:
            self.fail(str(exc) or type(exc).__name__)
        except Exception as secondary:  # keep the original exception
            logger.warning("loupe: could not mark %s %s failed: %s", self.noun, self.id, secondary)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r}, status={self.status!r})"
