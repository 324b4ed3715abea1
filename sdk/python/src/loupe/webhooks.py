"""Standard Webhooks verification (https://www.standardwebhooks.com), as Loupe signs its deliveries:
``webhook-signature: v1,<base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))>``, keyed with
the base64-decoded bytes after ``whsec_``, one ``v1,`` signature per active secret while they rotate."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Dict, List, Mapping, Optional, Union

__all__ = ["verify_webhook", "WebhookVerificationError", "TOLERANCE_SECONDS"]

TOLERANCE_SECONDS = 5 * 60
"""How far a delivery's timestamp may be from now, either way: beyond it a captured delivery
cannot be replayed."""

SECRET_PREFIX = "whsec_"

Headers = Union[Mapping[str, str], Any]  # a dict, or http.server's / email's Message


class WebhookVerificationError(Exception):
    """A delivery failed verification: missing headers, a timestamp out of tolerance, no matching
    signature, or a body that is not JSON. Answer it with a 4xx and do nothing."""


def webhook_key(secret: Union[str, bytes]) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret (raw bytes pass through)."""
    if isinstance(secret, bytes):
        key = secret
    else:
        encoded = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("a webhook secret is whsec_ followed by base64") from exc
    if not key:
        raise ValueError("the webhook secret is empty")
    return key


def verify_webhook(
    secret: Union[str, bytes],
    headers: Headers,
    body: Union[bytes, str],
    *,
    now: Optional[float] = None,
    tolerance: Optional[float] = TOLERANCE_SECONDS,
) -> Dict[str, Any]:
    """Checks a delivery's ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` against
    the raw ``body`` and returns the parsed event (``{"type", "timestamp", "data"}``). Raises
    :class:`WebhookVerificationError`. ``now`` (Unix seconds) replaces the clock; ``tolerance=None``
    skips the timestamp check (for replaying a stored delivery on purpose)."""
    key = webhook_key(secret)
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    msg_id, stamp, signatures = (_header(headers, name) for name in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not msg_id or not stamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp.strip())
    except ValueError:
        raise WebhookVerificationError("webhook-timestamp is not Unix seconds") from None
    if tolerance is not None:
        current = time.time() if now is None else now
        if current - timestamp > tolerance:
            raise WebhookVerificationError("webhook-timestamp is too old")
        if timestamp - current > tolerance:
            raise WebhookVerificationError("webhook-timestamp is too new")
    expected = hmac.new(key, f"{msg_id}.{timestamp}.".encode("utf-8") + raw, hashlib.sha256).digest()
    if not any(hmac.compare_digest(expected, given) for given in _v1_signatures(signatures)):
        raise WebhookVerificationError("no matching signature")
    try:
        event = json.loads(raw.decode("utf-8"))
    except ValueError:  # includes UnicodeDecodeError
        raise WebhookVerificationError("the body is not JSON") from None
    if not isinstance(event, dict):
        raise WebhookVerificationError("the body is not a JSON object")
    return event


def _v1_signatures(header: str) -> List[bytes]:
    found: List[bytes] = []
    for entry in header.split():
        version, _, encoded = entry.partition(",")
        if version != "v1":  # later versions (an asymmetric v1a, say) are someone else's to check
            continue
        try:
            found.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found


def _header(headers: Headers, name: str) -> Optional[str]:
    # A plain dict is case-sensitive; http.server's headers are not, but both have items().
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None
