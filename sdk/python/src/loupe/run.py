"""A handle on one analysis: the run's callbacks, plus annotations and the rasters they point at."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional

from ._run_handle import JSONDict, RunHandle, Stage, logger
from ._trace import Trace
from .errors import LoupeError, RunCanceled
from .png import grid_size, heatmap_png, mask_png
from .wire import ARTIFACT_CONTENT_TYPES, DEFAULT_STAGE_RANGES, LOG_LEVELS, SEED_STAGE_RANGES

if TYPE_CHECKING:  # pragma: no cover
    from .client import LoupeClient

__all__ = ["AnalysisRun", "Stage", "DEFAULT_STAGE_RANGES", "SEED_STAGE_RANGES", "LOG_LEVELS", "ARTIFACT_CONTENT_TYPES"]


class AnalysisRun(RunHandle):
    """Reports on one analysis. Get it from :meth:`LoupeClient.analysis`.

    As a context manager it finalizes the analysis: ``complete()`` on a normal exit (unless already
    finalized), ``fail(str(exc))`` when an exception escapes (then the exception propagates).
    """

    base_path = "/api/analyses"
    noun = "analysis"

    def __init__(self, client: "LoupeClient", analysis_id: str, trace: Optional[Trace] = None) -> None:
        super().__init__(client, analysis_id, trace)

    @property
    def analysis(self) -> Optional[JSONDict]:
        """The latest analysis object the server returned."""
        return self.record

    @analysis.setter
    def analysis(self, value: Optional[JSONDict]) -> None:
        self.record = value

    def upload_heatmap(
        self,
        scores: Any,
        filename: str = "heatmap.png",
        *,
        value_range: Tuple[float, float] = (0.0, 1.0),
        alpha: str = "score",
        class_name: Optional[str] = None,
        confidence: Optional[float] = None,
    ) -> JSONDict:
        """Encodes ``scores`` (rows of numbers, 0..1 unless ``value_range`` says otherwise) as a
        viridis heatmap PNG (:func:`loupe.heatmap_png`), uploads it, and returns its ``heatmap``
        annotation, ready for :meth:`annotate`."""
        width, height = grid_size(scores)
        path = self.upload("heatmap", filename, heatmap_png(scores, value_range, alpha), "image/png")
        data = {"width": width, "height": height, "color_map": "viridis"}
        return _raster_annotation("heatmap", data, path, class_name, confidence)

    def upload_mask(
        self,
        mask: Any,
        filename: str = "mask.png",
        *,
        threshold: float = 0.5,
        class_name: Optional[str] = None,
        confidence: Optional[float] = None,
    ) -> JSONDict:
        """Encodes a mask (rows of booleans or 0/1) as a PNG (:func:`loupe.mask_png`), uploads it,
        and returns its ``mask`` annotation, ready for :meth:`annotate`."""
        width, height = grid_size(mask)
        path = self.upload("mask", filename, mask_png(mask, threshold), "image/png")
        return _raster_annotation("mask", {"width": width, "height": height}, path, class_name, confidence)

    # ---- annotations -------------------------------------------------------------------------

    def annotate(self, annotations: Iterable[JSONDict], mode: str = "append") -> JSONDict:
        """``POST /api/analyses/{id}/annotations:bulk`` in chunks of at most ``client.max_bulk``.

        Re-posting identical annotations stores nothing new, so chunks are retried safely. If the
        server reports a lower limit (or a chunk is too large), the chunk size shrinks and the chunk
        is sent again. With ``mode="replace"`` only the first chunk replaces; later chunks append
        (so a chunked replace is not atomic). Returns ``{"created", "updated", "duplicates",
        "total", "requests"}`` summed over the chunks (``total`` is the last response's;
        ``updated`` counts rows an ``upsert`` rewrote).
        """
        if mode not in ("append", "replace", "upsert"):
            raise ValueError("mode must be append, replace or upsert")
        self._maybe_flush_logs()
        items = list(annotations)
        summary: JSONDict = {"created": 0, "updated": 0, "duplicates": 0, "total": 0, "requests": 0}
        if not items and mode != "replace":
            return summary
        index = 0
        first = True
        while first or index < len(items):
            size = max(1, self.client.max_bulk)
            chunk = items[index : index + size]
            chunk_mode = mode if (first or mode != "replace") else "append"
            try:
                result = self._call("POST", "annotations:bulk", {"annotations": chunk, "mode": chunk_mode})
            except RunCanceled:
                raise
            except LoupeError as exc:
                smaller = _smaller_limit(exc, len(chunk))
                if smaller is None:
                    raise
                logger.info("loupe: bulk limit is %d; re-chunking", smaller)
                self.client.max_bulk = smaller
                continue
            summary["requests"] += 1
            if isinstance(result, dict):
                summary["created"] += int(result.get("created", 0) or 0)
                summary["updated"] += int(result.get("updated", 0) or 0)
                summary["duplicates"] += int(result.get("duplicates", 0) or 0)
                summary["total"] = int(result.get("total", summary["total"]) or 0)
            index += len(chunk)
            first = False
        return summary


def _raster_annotation(kind: str, data: JSONDict, path: str, class_name: Optional[str], confidence: Optional[float]) -> JSONDict:
    annotation: JSONDict = {"annotation_type": kind, "data": data, "storage_path": path}
    if class_name is not None:
        annotation["class_name"] = class_name
    if confidence is not None:
        annotation["confidence"] = confidence
    return annotation


def _smaller_limit(exc: LoupeError, sent: int) -> Optional[int]:
    """The chunk size to retry with when the server refused a chunk for its size, else None."""
    if exc.status == 400 and isinstance(exc.details, dict):
        limit = exc.details.get("max")
        if isinstance(limit, int) and 0 < limit < sent:
            return limit
    if exc.status == 413 and sent > 1:
        return max(1, sent // 2)
    return None
