"""verify_webhook against vectors signed by the standardwebhooks npm package (1.1.1), computed with
``new Webhook(secret).sign(msgId, new Date(1733150000 * 1000), payload)``."""

from __future__ import annotations

import base64
import email.message
import hashlib
import hmac
import unittest

import _support  # noqa: F401  (puts the SDK on the path)

from loupe import WebhookVerificationError, verify_webhook

SECRET = "whsec_bG91cGUtcHl0aG9uLXNkay10ZXN0LWtleS0zMmJ5dGU="  # base64 of "loupe-python-sdk-test-key-32byte"
ROTATED = "whsec_YS1zZWNvbmQtcm90YXRpbmctd2ViaG9vay1zZWNyZXQ="  # base64 of "a-second-rotating-webhook-secret"
TIMESTAMP = 1733150000
PAYLOAD = (
    '{"type":"analysis.created","timestamp":"2026-12-02T15:00:00.000Z","data":{"analysis":{"id":"an_1","status":"queued",'
    '"model_name":"yolo_v8"},"image":{"url":"https://r2.example/img.png"},"callback":{"base_url":"https://loupe.example.com'
    '/api/analyses/an_1","secret":"mlcred_abc"}}}'
).encode("utf-8")
SIGNATURE = "v1,m7sxRm/rHXrXzMBSqFGhW2yi19+ZuLb01e1Qr6W6dhU="  # msg_2b8f, SECRET
ROTATED_SIGNATURE = "v1,ZG0F6JS545cAjm3bkOTCWQmcqCVqrRrR8wZQSmwpbE8="  # msg_2b8f, ROTATED
UNICODE_PAYLOAD = '{"type":"job.canceled","timestamp":"2026-12-02T15:00:00.000Z","data":{"job":{"id":"job_1","status":"canceled","model_name":"détecteur 🐟"}}}'
UNICODE_SIGNATURE = "v1,R527imWfo7pbBj9cewMRQ3rkvo0i8yESbN6s35yox7Y="  # msg_unicode, SECRET


def headers(signature: str = SIGNATURE, msg_id: str = "msg_2b8f", timestamp: int = TIMESTAMP) -> dict:
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}


class VerifyWebhookTest(unittest.TestCase):
    def verify(self, body: bytes = PAYLOAD, **options: object) -> dict:
        hdrs = options.pop("headers", headers())
        secret = options.pop("secret", SECRET)
        return verify_webhook(secret, hdrs, body, now=TIMESTAMP + 1, **options)  # type: ignore[arg-type]

    def test_accepts_the_vector_the_reference_library_signed(self) -> None:
        event = self.verify()
        self.assertEqual(event["type"], "analysis.created")
        self.assertEqual(event["data"]["callback"]["secret"], "mlcred_abc")

    def test_signs_the_raw_utf8_bytes(self) -> None:
        event = self.verify(UNICODE_PAYLOAD.encode("utf-8"), headers=headers(UNICODE_SIGNATURE, "msg_unicode"))
        self.assertEqual(event["data"]["job"]["model_name"], "détecteur 🐟")
        self.assertEqual(self.verify(UNICODE_PAYLOAD, headers=headers(UNICODE_SIGNATURE, "msg_unicode"))["type"], "job.canceled")

    def test_any_one_of_several_signatures_will_do_while_secrets_rotate(self) -> None:
        both = headers(f"v1,bm9wZQ== {ROTATED_SIGNATURE} {SIGNATURE}")
        self.assertEqual(self.verify(headers=both)["type"], "analysis.created")
        self.assertEqual(self.verify(headers=both, secret=ROTATED)["type"], "analysis.created")

    def test_header_names_are_case_insensitive_in_an_http_message(self) -> None:
        message = email.message.Message()
        for name, value in headers().items():
            message[name.title()] = value
        self.assertEqual(verify_webhook(SECRET, message, PAYLOAD, now=TIMESTAMP)["type"], "analysis.created")

    def test_refuses_what_was_not_signed_so(self) -> None:
        cases = {
            "a changed body": dict(body=PAYLOAD.replace(b"yolo_v8", b"yolo_v9")),
            "another secret": dict(secret=ROTATED),
            "another message id": dict(headers=headers(msg_id="msg_other")),
            "another timestamp": dict(headers=headers(timestamp=TIMESTAMP + 1)),
            "another version": dict(headers=headers(SIGNATURE.replace("v1,", "v2,"))),
            "a signature that is not base64": dict(headers=headers("v1,***")),
            "no signature": dict(headers={"webhook-id": "msg_2b8f", "webhook-timestamp": str(TIMESTAMP)}),
            "a timestamp that is not a number": dict(headers=headers(timestamp="soon")),  # type: ignore[arg-type]
        }
        for name, case in cases.items():
            with self.subTest(name), self.assertRaises(WebhookVerificationError):
                self.verify(**case)  # type: ignore[arg-type]

    def test_refuses_timestamps_more_than_five_minutes_away(self) -> None:
        for now, accepted in ((TIMESTAMP + 300, True), (TIMESTAMP + 301, False), (TIMESTAMP - 300, True), (TIMESTAMP - 301, False)):
            with self.subTest(now=now):
                if accepted:
                    verify_webhook(SECRET, headers(), PAYLOAD, now=now)
                else:
                    with self.assertRaisesRegex(WebhookVerificationError, "too (old|new)"):
                        verify_webhook(SECRET, headers(), PAYLOAD, now=now)
        with self.assertRaisesRegex(WebhookVerificationError, "too old"):
            verify_webhook(SECRET, headers(), PAYLOAD)  # the real clock: 2024 is long gone
        self.assertEqual(verify_webhook(SECRET, headers(), PAYLOAD, tolerance=None)["type"], "analysis.created")

    def test_a_signed_body_that_is_not_a_json_object_is_refused(self) -> None:
        key = base64.b64decode(SECRET[len("whsec_") :])
        for body in (b"not json", b"[1]"):
            sig = base64.b64encode(hmac.new(key, f"msg_2b8f.{TIMESTAMP}.".encode() + body, hashlib.sha256).digest()).decode()
            with self.subTest(body=body), self.assertRaisesRegex(WebhookVerificationError, "JSON"):
                self.verify(body, headers=headers("v1," + sig))

    def test_a_secret_that_is_not_base64_is_a_value_error(self) -> None:
        for secret in ("whsec_***", "whsec_"):
            with self.subTest(secret=secret), self.assertRaises(ValueError):
                verify_webhook(secret, headers(), PAYLOAD, now=TIMESTAMP)


if __name__ == "__main__":
    unittest.main()
