"""Loupe SDK for Python: report ML pipeline results to Loupe over HMAC-signed callbacks.

    from loupe import LoupeClient

    client = LoupeClient("http://localhost:8787", secret=os.environ["ML_CALLBACK_HMAC_SECRET"])
    with client.analysis(analysis_id) as run:
        run.start()
        with run.stage("inference") as stage:
            ...
            stage.progress(0.5)
        run.annotate(annotations + [run.upload_heatmap(scores)])

    with client.job(job_id) as run:        # training, batch inference, ...
        run.start()
        run.metric("train/loss", 1, 0.41, epoch=1)
        run.register_model_version("2", [{"kind": "weights", "storage_path": run.upload("model", "w.json", data)}])

    # A pull worker (pipeline key), or a push receiver (the pipeline's whsec_ webhook secret):
    run_worker(LoupeClient(url, api_key=key), analysis=detect, install_signal_handlers=True)
    WebhookReceiver(LoupeClient(url), webhook_secret, analysis=detect).serve("0.0.0.0", 8000).serve_forever()

Standard library only. ``SEED_STAGE_RANGES`` is a deprecated alias of ``DEFAULT_STAGE_RANGES``.
"""

from ._version import __version__
from .client import LoupeClient
from ._handler_run import OUTCOMES
from .errors import AnalysisCanceled, JobCanceled, LeaseLost, LoupeError, RunCanceled
from .job_run import JobRun
from .png import heatmap_png, mask_png, viridis
from .receiver import WebhookReceiver
from .run import AnalysisRun, Stage
from ._run_handle import RunHandle
from ._trace import Trace, parse_traceparent
from .signing import compute_signature, generate_hmac_headers, serialize_body, sign_request
from .webhooks import WebhookVerificationError, verify_webhook
from .wire import (
    ANALYSIS_STATUSES,
    ANNOTATION_TYPES,
    ARTIFACT_CONTENT_TYPES,
    ARTIFACT_TYPES,
    BULK_MODES,
    DEFAULT_STAGE_RANGES,
    FINAL_STATUSES,
    LOG_LEVELS,
    MAX_ERROR_MESSAGE_CHARS,
    MAX_LOG_LINES_PER_REQUEST,
    MAX_LOG_MESSAGE_CHARS,
    MAX_PROGRESS_MESSAGE_CHARS,
    MAX_STAGE_CHARS,
    SEED_STAGE_RANGES,
    TERMINAL_STATUSES,
)
from .worker import run_worker

__all__ = [
    "__version__",
    "LoupeClient",
    "AnalysisRun",
    "JobRun",
    "RunHandle",
    "Stage",
    "Trace",
    "parse_traceparent",
    "LoupeError",
    "RunCanceled",
    "AnalysisCanceled",
    "JobCanceled",
    "LeaseLost",
    "run_worker",
    "OUTCOMES",
    "WebhookReceiver",
    "verify_webhook",
    "WebhookVerificationError",
    "DEFAULT_STAGE_RANGES",
    "SEED_STAGE_RANGES",
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
    "heatmap_png",
    "mask_png",
    "viridis",
    "compute_signature",
    "generate_hmac_headers",
    "serialize_body",
    "sign_request",
]
