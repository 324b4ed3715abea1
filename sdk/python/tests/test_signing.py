"""Signatures equal the ML Pipeline Integration Guide's Python recipe, byte for byte."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import unittest
from typing import Any, Dict
from unittest import mock

import _support
from _support import ANALYSIS_ID, SECRET, StubServer, make_client

import loupe
from loupe import compute_signature, generate_hmac_headers, serialize_body, sign_request


def guide_generate_hmac_headers(body_dict: Dict[str, Any], secret: str) -> Dict[str, str]:
    """Copied from the guide (docs: 'HMAC Authentication > Python Example'), minus `requests`."""
    body_bytes = json.dumps(body_dict).encode("utf-8")
    timestamp = str(int(time.time()))
    message = timestamp.encode("utf-8") + b"." + body_bytes
    mac = hmac.new(secret.encode("utf-8"), msg=message, digestmod=hashlib.sha256)
    return {
        "X-ML-Signature": f"sha256={mac.hexdigest()}",
        "X-ML-Timestamp": timestamp,
        "Content-Type": "application/json",
    }


# secret 'test_secret_123', timestamp '1700000000', body json.dumps({"status": "completed"})
# i.e. b'1700000000.{"status": "completed"}'. Cross-checked with:
#   printf '%s' '1700000000.{"status": "completed"}' | openssl dgst -sha256 -hmac test_secret_123
PINNED_HEX = "550412d7dd135e0d79164b831a99cf863cbc1a234edcdd7c1d6325da3d13869d"


class FixedVectorTest(unittest.TestCase):
    def test_pinned_vector(self) -> None:
        body = json.dumps({"status": "completed"}).encode("utf-8")
        self.assertEqual(body, b'{"status": "completed"}')  # default separators, with spaces
        recomputed = hmac.new(b"test_secret_123", b"1700000000." + body, hashlib.sha256).hexdigest()
        self.assertEqual(recomputed, PINNED_HEX)
        self.assertEqual(compute_signature("test_secret_123", "1700000000", body), "sha256=" + PINNED_HEX)

    def test_generate_hmac_headers_with_fixed_timestamp(self) -> None:
        headers = generate_hmac_headers({"status": "completed"}, "test_secret_123", timestamp="1700000000")
        self.assertEqual(
            headers,
            {"X-ML-Signature": "sha256=" + PINNED_HEX, "X-ML-Timestamp": "1700000000", "Content-Type": "application/json"},
        )

    def test_matches_guide_recipe_under_the_same_clock(self) -> None:
        payloads: list = [
            {"status": "completed"},
            {"status": "failed", "error_message": "Out of memory during inference"},
            {
                "annotations": [
                    {"annotation_type": "classification", "class_name": "chat ✓", "confidence": 0.5, "data": {"score": 0.5}}
                ],
                "mode": "append",
            },
            {"lines": [{"ts": "2025-01-15T10:30:00.000Z", "level": "info", "message": 'naïve "quotes" \n newline'}]},
            {"nested": {"b": [1, 2.5, None, True], "a": {}}},
        ]
        fixed = mock.Mock(return_value=1_700_000_123.987)
        with mock.patch("time.time", fixed):
            for payload in payloads:
                with self.subTest(payload=payload):
                    expected = guide_generate_hmac_headers(payload, SECRET)
                    self.assertEqual(generate_hmac_headers(payload, SECRET), expected)
                    body, headers = sign_request(payload, SECRET, nonce=False)
                    self.assertEqual(headers, expected)
                    self.assertEqual(body, json.dumps(payload).encode("utf-8"))
        self.assertEqual(expected["X-ML-Timestamp"], "1700000123")

    def test_serialization_is_json_dumps_defaults(self) -> None:
        payload = {"b": 1, "a": "é", "c": [1, {"d": None}]}
        self.assertEqual(serialize_body(payload), b'{"b": 1, "a": "\\u00e9", "c": [1, {"d": null}]}')

    def test_nonce(self) -> None:
        _, one = sign_request({"x": 1}, SECRET)
        _, two = sign_request({"x": 1}, SECRET)
        self.assertRegex(one["X-ML-Nonce"], r"^[0-9a-f]{32}$")
        self.assertNotEqual(one["X-ML-Nonce"], two["X-ML-Nonce"])
        _, none = sign_request({"x": 1}, SECRET, nonce=False)
        self.assertNotIn("X-ML-Nonce", none)
        _, given = sign_request({"x": 1}, SECRET, nonce="abc")
        self.assertEqual(given["X-ML-Nonce"], "abc")


class WireTest(unittest.TestCase):
    """What reaches the server: the exact signed bytes, re-signed on every retry."""

    def test_bytes_on_the_wire_are_the_signed_bytes(self) -> None:
        with StubServer() as server:
            client, _ = make_client(server)
            client.analysis(ANALYSIS_ID).complete()
            (req,) = server.requests
            self.assertEqual(req.method, "POST")
            self.assertEqual(req.path, f"/api/analyses/{ANALYSIS_ID}/finalize")
            self.assertEqual(req.body, b'{"status": "completed"}')
            self.assertEqual(req.header("Content-Type"), "application/json")
            ts = req.header("X-ML-Timestamp")
            assert ts is not None
            self.assertRegex(ts, r"^\d+$")
            self.assertLess(abs(int(ts) - time.time()), 5)
            expected = hmac.new(SECRET.encode(), ts.encode() + b"." + req.body, hashlib.sha256).hexdigest()
            self.assertEqual(req.header("X-ML-Signature"), "sha256=" + expected)
            self.assertRegex(req.header("X-ML-Nonce") or "", r"^[0-9a-f]{32}$")
            self.assertNotIn("authorization", {k.lower() for k in req.headers})

    def test_each_retry_is_signed_afresh(self) -> None:
        clock = iter([1_700_000_000.0, 1_700_000_007.0, 1_700_000_019.0])
        fake_time = mock.Mock()
        fake_time.time = lambda: next(clock)
        with StubServer() as server, mock.patch.object(loupe.signing, "time", fake_time):
            server.queue(
                "PATCH",
                "/status",
                (503, {"error": {"code": "internal_error", "message": "busy", "details": None}}),
                _support.DROP,
            )
            client, delays = make_client(server)
            client.analysis(ANALYSIS_ID).start()
            reqs = server.matching("PATCH", "/status")
            self.assertEqual(len(reqs), 3)
            self.assertEqual(len(delays), 2)
            self.assertEqual([r.header("X-ML-Timestamp") for r in reqs], ["1700000000", "1700000007", "1700000019"])
            nonces = [r.header("X-ML-Nonce") for r in reqs]
            self.assertEqual(len(set(nonces)), 3)
            for r in reqs:
                self.assertEqual(r.body, b'{"status": "processing"}')
                self.assertTrue(r.signature_valid())

    def test_nonce_can_be_turned_off(self) -> None:
        with StubServer() as server:
            client, _ = make_client(server, nonce=False)
            client.analysis(ANALYSIS_ID).start()
            self.assertIsNone(server.requests[0].header("X-ML-Nonce"))
            self.assertTrue(server.requests[0].signature_valid())

    def test_unsigned_when_no_secret(self) -> None:
        with StubServer() as server:
            client = loupe.LoupeClient(server.url, None, sleep=lambda s: None)
            client.analysis(ANALYSIS_ID).start()
            self.assertIsNone(server.requests[0].header("X-ML-Signature"))


if __name__ == "__main__":
    unittest.main()
