"""What the server's API defines, as Python values: statuses, types, limits and stage ranges.

The server's OpenAPI document (``/api/openapi.json``) is the source; ``test/e2e/sdk-python.test.ts``
at the repository root compares every value here with it (and the stage ranges with the
TypeScript SDK's), so a change on the server that this file misses fails a test.
"""

from __future__ import annotations

from typing import Dict, Tuple

__all__ = [
    "ANALYSIS_STATUSES",
    "TERMINAL_STATUSES",
    "FINAL_STATUSES",
    "ANNOTATION_TYPES",
    "ARTIFACT_TYPES",
    "ARTIFACT_CONTENT_TYPES",
    "LOG_LEVELS",
    "BULK_MODES",
    "MAX_LOG_LINES_PER_REQUEST",
    "MAX_LOG_MESSAGE_CHARS",
    "MAX_STAGE_CHARS",
    "MAX_PROGRESS_MESSAGE_CHARS",
    "MAX_ERROR_MESSAGE_CHARS",
    "DEFAULT_STAGE_RANGES",
    "SEED_STAGE_RANGES",
]

ANALYSIS_STATUSES = ("queued", "processing", "completed", "failed", "canceled")
TERMINAL_STATUSES = ("completed", "failed", "canceled")
"""The statuses an analysis never leaves (docs/state-machine.md)."""
FINAL_STATUSES = ("completed", "failed")
"""The statuses a pipeline may finalize with; ``canceled`` belongs to people and deadlines."""

ANNOTATION_TYPES = ("bounding_box", "classification", "heatmap", "mask", "segmentation", "polygon", "keypoint", "custom")
ARTIFACT_TYPES = ("heatmap", "mask", "segmentation", "log", "metadata", "model", "other")

ARTIFACT_CONTENT_TYPES: Dict[str, str] = {
    "heatmap": "image/png",
    "mask": "image/png",
    "segmentation": "image/png",
    "log": "text/plain",
    "metadata": "application/json",
}
"""The content type the server stores for these artifact types whatever the upload says; other
types keep theirs, or application/octet-stream (docs/ML_PIPELINE_INTEGRATION.md, "Artifact upload")."""

LOG_LEVELS = ("debug", "info", "warning", "error")
BULK_MODES = ("append", "replace", "upsert")

MAX_LOG_LINES_PER_REQUEST = 1000
MAX_LOG_MESSAGE_CHARS = 8000
MAX_STAGE_CHARS = 100
MAX_PROGRESS_MESSAGE_CHARS = 2000
MAX_ERROR_MESSAGE_CHARS = 10_000

DEFAULT_STAGE_RANGES: Dict[str, Tuple[float, float]] = {
    "preprocess": (0.10, 0.15),
    "inference": (0.15, 0.65),
    "postprocess": (0.65, 0.75),
    "stitch": (0.75, 0.85),
    "thumbnails": (0.85, 0.95),
    "finalization": (0.95, 1.00),
}
"""The share of the overall progress a stage gets by its name alone, as (start, end) fractions
(docs/ML_PIPELINE_INTEGRATION.md, "3. Progress, stages and logs")."""

SEED_STAGE_RANGES = DEFAULT_STAGE_RANGES
"""Deprecated: the former name of :data:`DEFAULT_STAGE_RANGES`, kept so existing imports work."""
