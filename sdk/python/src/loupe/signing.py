"""HMAC signing of pipeline callbacks, exactly as the ML Pipeline Integration Guide's Python example.

The body is ``json.dumps(payload).encode('utf-8')`` (Python's default separators, ``", "`` and
``": "``), the message is ``timestamp + b'.' + body``, and the signature is HMAC-SHA256 over it with
the shared secret, sent as ``X-ML-Signature: sha256=<hex>`` beside ``X-ML-Timestamp``. The server
verifies the raw bytes it receives, so the signed bytes are exactly the bytes sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any, Dict, Optional, Tuple

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "NONCE_HEADER",
    "serialize_body",
    "compute_signature",
    "generate_hmac_headers",
    "sign_request",
]

SIGNATURE_HEADER = "X-ML-Signature"
TIMESTAMP_HEADER = "X-ML-Timestamp"
NONCE_HEADER = "X-ML-Nonce"


def serialize_body(payload: Any) -> bytes:
    """The guide's serialization: ``json.dumps(payload).encode('utf-8')``, default separators."""
    return json.dumps(payload).encode("utf-8")


def compute_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``timestamp + b'.' + body`` keyed with ``secret``."""
    message = timestamp.encode("utf-8") + b"." + body
    mac = hmac.new(secret.encode("utf-8"), msg=message, digestmod=hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def generate_hmac_headers(body_dict: Any, secret: str, timestamp: Optional[str] = None) -> Dict[str, str]:
    """The guide's ``generate_hmac_headers``: signature, timestamp and content-type headers.

    Send ``serialize_body(body_dict)`` as the body with these headers (or use :func:`sign_request`,
    which returns both).
    """
    _, headers = sign_request(body_dict, secret, timestamp=timestamp, nonce=False)
    return headers


def sign_request(
    payload: Any,
    secret: str,
    *,
    timestamp: Optional[str] = None,
    nonce: "bool | str" = True,
) -> Tuple[bytes, Dict[str, str]]:
    """Serializes ``payload`` and signs it; returns ``(body_bytes, headers)`` to send as they are.

    ``timestamp`` defaults to ``str(int(time.time()))``. ``nonce=True`` adds a fresh
    ``X-ML-Nonce`` (uuid4 hex); pass a string to use that nonce, or ``False`` for none. The nonce is
    not part of the signed message: the server only uses it to refuse replays.
    """
    body = serialize_body(payload)
    ts = timestamp if timestamp is not None else str(int(time.time()))
    headers = {
        SIGNATURE_HEADER: compute_signature(secret, ts, body),
        TIMESTAMP_HEADER: ts,
        "Content-Type": "application/json",
    }
    if nonce is True:
        headers[NONCE_HEADER] = uuid.uuid4().hex
    elif isinstance(nonce, str) and nonce:
        headers[NONCE_HEADER] = nonce
    return body, headers
