"""A handle on one project-level job: the run's callbacks, plus metrics, inputs, batches and model versions."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, cast

from ._run_handle import JSONDict, RunHandle
from ._trace import Trace
from .errors import LoupeError

if TYPE_CHECKING:  # pragma: no cover
    from .client import LoupeClient

__all__ = ["JobRun", "MAX_METRIC_POINTS_PER_REQUEST", "MAX_BATCH_RESULT_ITEMS"]

#: The server's limits per request (``src/schemas/metrics.ts``, ``src/schemas/batch.ts``).
MAX_METRIC_POINTS_PER_REQUEST = 1000
MAX_BATCH_RESULT_ITEMS = 100


class JobRun(RunHandle):
    """Reports on one job (training, evaluation, batch inference, ...; docs/jobs.md). Get it from
    :meth:`LoupeClient.job`; as a context manager it finalizes the job like an analysis's handle.
    """

    base_path = "/api/jobs"
    noun = "job"

    def __init__(self, client: "LoupeClient", job_id: str, trace: Optional[Trace] = None) -> None:
        super().__init__(client, job_id, trace)

    @property
    def job(self) -> Optional[JSONDict]:
        """The latest job object the server returned."""
        return self.record

    def metrics(self, points: Iterable[JSONDict]) -> JSONDict:
        """``POST /api/jobs/{id}/metrics`` in requests of at most 1,000 points; returns ``{"accepted", "names"}``.

        A point posted again for the same name and step replaces the first, so a retry stores nothing twice.
        """
        self._maybe_flush_logs()
        items = list(points)
        accepted = 0
        names: Dict[str, None] = {}
        for start in range(0, len(items), MAX_METRIC_POINTS_PER_REQUEST):
            answer = cast(JSONDict, self._call("POST", "metrics", {"points": items[start : start + MAX_METRIC_POINTS_PER_REQUEST]}))
            accepted += int(answer.get("accepted", 0))
            names.update(dict.fromkeys(answer.get("names", [])))
        return {"accepted": accepted, "names": list(names)}

    def metric(self, name: str, step: int, value: float, *, epoch: Optional[int] = None, at: Optional[str] = None) -> JSONDict:
        """One metric point: ``run.metric("train/loss", epoch, 0.41, epoch=epoch)``."""
        point: JSONDict = {"name": name, "step": step, "value": value}
        if epoch is not None:
            point["epoch"] = epoch
        if at is not None:
            point["at"] = at
        return self.metrics([point])

    def inputs(self) -> JSONDict:
        """``POST /api/jobs/{id}/inputs``: the job, its frozen dataset and applied version, with download URLs fresh now."""
        return cast(JSONDict, self._call("POST", "inputs", {}))

    def download_dataset(self) -> bytes:
        """The job's dataset snapshot (a zip, COCO or YOLO as the job asked), checked against the
        SHA-256 it was frozen with. Raises :class:`LoupeError` when the job has no dataset."""
        dataset = self.inputs().get("dataset")
        if not isinstance(dataset, dict) or not dataset.get("download_url") or not dataset.get("sha256"):
            raise LoupeError(None, "no_dataset", f"job {self.id} has no frozen dataset to download")
        response = self.client.transport.request("GET", str(dataset["download_url"]), lambda: (None, {}))
        digest = hashlib.sha256(response.body).hexdigest()
        if digest != dataset["sha256"]:
            raise LoupeError(None, "dataset_mismatch", f"dataset of job {self.id} hashed {digest}, expected {dataset['sha256']}")
        return response.body

    def register_model_version(self, version: str, artifacts: Iterable[JSONDict] = (), **fields: Any) -> JSONDict:
        """``POST /api/jobs/{id}/model-versions``: the version this job produced (``name``, ``metrics``,
        ``description``, ``provenance`` as keyword arguments)."""
        return cast(JSONDict, self._call("POST", "model-versions", {"version": version, "artifacts": list(artifacts), **fields}))

    def batch_images(self, page_size: int = 100) -> Iterator[JSONDict]:
        """``batch_inference``: every image of the batch, a page at a time, with image URLs fresh as each page is read."""
        cursor: Optional[str] = None
        while True:
            body: JSONDict = {"limit": page_size}
            if cursor:
                body["cursor"] = cursor
            page = cast(JSONDict, self._call("POST", "batch/images", body))
            yield from page.get("images", [])
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def batch_results(self, items: Iterable[JSONDict]) -> JSONDict:
        """``batch_inference``: posts per-image results 100 at a time; returns every result and the batch's counts after the last."""
        self._maybe_flush_logs()
        all_items = list(items)
        if not all_items:
            raise ValueError("batch_results needs at least one item")
        results: List[JSONDict] = []
        batch: Any = None
        for start in range(0, len(all_items), MAX_BATCH_RESULT_ITEMS):
            answer = cast(JSONDict, self._call("POST", "batch/results", {"items": all_items[start : start + MAX_BATCH_RESULT_ITEMS]}))
            results.extend(answer.get("results", []))
            batch = answer.get("batch")
        return {"results": results, "batch": batch}
