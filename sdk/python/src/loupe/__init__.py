"""Loupe SDK for Python: report ML pipeline results to Loupe over HMAC-signed callbacks.

    from loupe import LoupeClient

    client = LoupeClient("http://localhost:8787", secret=os.environ["ML_CALLBACK_HMAC_SECRET"])
    with client.analysis(analysis_id) as run:
        run.start()
        with run.stage("inference") as stage:
            ...
            stage.progress(0.5)
        run.annotate(annotations)

Standard library only.
"""

from ._version import __version__
from .client import LoupeClient
from .errors import AnalysisCanceled, LoupeError
from .run import ARTIFACT_CONTENT_TYPES, LOG_LEVELS, SEED_STAGE_RANGES, AnalysisRun, Stage
from .signing import compute_signature, generate_hmac_headers, serialize_body, sign_request

__all__ = [
    "__version__",
    "LoupeClient",
    "AnalysisRun",
    "Stage",
    "LoupeError",
    "AnalysisCanceled",
    "SEED_STAGE_RANGES",
    "LOG_LEVELS",
    "ARTIFACT_CONTENT_TYPES",
    "compute_signature",
    "generate_hmac_headers",
    "serialize_body",
    "sign_request",
]
