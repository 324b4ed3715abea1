"""The retry policy and error mapping, against a local stub server."""

from __future__ import annotations

import email.utils
import socket
import unittest

from _support import ANALYSIS_ID, DROP, StubServer, make_client

from loupe import AnalysisCanceled, LoupeClient, LoupeError
from loupe._transport import parse_retry_after


def envelope(code: str, message: str = "nope", details: object = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


class RetryPolicyTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)
        self.client, self.delays = make_client(self.server)
        self.handle = self.client.analysis(ANALYSIS_ID)

    def test_503_then_200_is_retried(self) -> None:
        self.server.queue("PATCH", "/status", (503, envelope("internal_error", "try later")))
        result = self.handle.start()
        self.assertEqual(result["status"], "processing")
        self.assertEqual(len(self.server.requests), 2)
        self.assertEqual(len(self.delays), 1)
        self.assertGreaterEqual(self.delays[0], 0.0)
        self.assertLessEqual(self.delays[0], 0.5)  # full jitter within backoff_base * 2**0

    def test_every_5xx_and_429_is_retried(self) -> None:
        for status in (500, 502, 504, 429):
            with self.subTest(status=status):
                self.server.requests.clear()
                self.server.queue("POST", "/progress", (status, envelope("x")))
                self.handle.progress(0.3, force=True)
                self.assertEqual(len(self.server.requests), 2)

    def test_400_is_not_retried(self) -> None:
        self.server.queue("POST", "/progress", (400, envelope("validation_error", "progress: too big", {"field": "progress"})))
        with self.assertRaises(LoupeError) as caught:
            self.handle.progress(0.5)
        err = caught.exception
        self.assertNotIsInstance(err, AnalysisCanceled)
        self.assertEqual((err.status, err.code, err.message), (400, "validation_error", "progress: too big"))
        self.assertEqual(err.details, {"field": "progress"})
        self.assertEqual(err.request_id, "req-1")
        self.assertIn("req-1", str(err))
        self.assertEqual(len(self.server.requests), 1)
        self.assertEqual(self.delays, [])

    def test_other_4xx_are_not_retried(self) -> None:
        for status, code in (
            (401, "signature_invalid"),
            (404, "not_found"),
            (409, "illegal_transition"),
            (413, "payload_too_large"),
        ):
            with self.subTest(status=status):
                self.server.requests.clear()
                self.server.queue("POST", "/finalize", (status, envelope(code)))
                with self.assertRaises(LoupeError) as caught:
                    self.handle.complete()
                self.assertEqual((caught.exception.status, caught.exception.code), (status, code))
                self.assertEqual(len(self.server.requests), 1)
        self.assertEqual(self.delays, [])

    def test_429_retry_after_seconds_is_honoured(self) -> None:
        self.server.queue(
            "POST",
            "/progress",
            (429, envelope("rate_limited"), {"Retry-After": "7"}),
            (429, envelope("rate_limited"), {"Retry-After": "0"}),
        )
        self.handle.progress(0.2)
        self.assertEqual(self.delays, [7.0, 0.0])
        self.assertEqual(len(self.server.requests), 3)

    def test_retry_after_http_date_is_honoured(self) -> None:
        self.assertEqual(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412450.0), 30.0)
        self.assertEqual(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412500.0), 0.0)
        self.assertIsNone(parse_retry_after("soon"))
        self.assertIsNone(parse_retry_after(None))
        self.assertEqual(parse_retry_after(" 2 "), 2.0)
        import time

        when = email.utils.formatdate(time.time() + 60, usegmt=True)
        self.server.queue("POST", "/progress", (503, envelope("internal_error"), {"Retry-After": when}))
        self.handle.progress(0.2)
        self.assertEqual(len(self.delays), 1)
        self.assertTrue(55 <= self.delays[0] <= 60, self.delays)

    def test_retry_after_beyond_the_cap_gives_up(self) -> None:
        client, delays = make_client(self.server, max_retry_after=10)
        self.server.queue("POST", "/progress", (429, envelope("rate_limited"), {"Retry-After": "3600"}))
        with self.assertRaises(LoupeError) as caught:
            client.analysis(ANALYSIS_ID).progress(0.1)
        self.assertEqual(caught.exception.code, "rate_limited")
        self.assertEqual(delays, [])

    def test_network_error_is_retried(self) -> None:
        self.server.queue("POST", "/finalize", DROP, DROP)
        result = self.handle.complete()
        self.assertEqual(result["status"], "completed")
        self.assertEqual(len(self.server.requests), 3)
        self.assertEqual(len(self.delays), 2)

    def test_connection_refused_is_retried_then_raised(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        delays: list = []
        client = LoupeClient(f"http://127.0.0.1:{port}", "s", max_retries=3, sleep=delays.append, timeout=2)
        with self.assertRaises(LoupeError) as caught:
            client.analysis(ANALYSIS_ID).start()
        self.assertEqual((caught.exception.status, caught.exception.code), (None, "network_error"))
        self.assertEqual(len(delays), 3)

    def test_retries_are_bounded_and_back_off_exponentially(self) -> None:
        client, delays = make_client(self.server, max_retries=4, backoff_base=0.5, backoff_max=3.0)
        client.transport.rand = lambda: 1.0  # the top of each jitter window
        self.server.queue("POST", "/progress", *[(500, envelope("internal_error"))] * 5)
        with self.assertRaises(LoupeError) as caught:
            client.analysis(ANALYSIS_ID).progress(0.1)
        self.assertEqual(caught.exception.status, 500)
        self.assertEqual(delays, [0.5, 1.0, 2.0, 3.0])
        self.assertEqual(len(self.server.requests), 5)

    def test_non_json_error_body(self) -> None:
        self.server.queue("POST", "/progress", (502, b"<html>Bad gateway</html>"))
        client, _ = make_client(self.server, max_retries=0)
        with self.assertRaises(LoupeError) as caught:
            client.analysis(ANALYSIS_ID).progress(0.1)
        self.assertEqual((caught.exception.status, caught.exception.code), (502, "http_502"))
        self.assertIn("Bad gateway", caught.exception.message)

    def test_a_2xx_that_is_not_json(self) -> None:
        self.server.queue("POST", "/progress", (200, b"<html>proxy page</html>"))
        with self.assertRaises(LoupeError) as caught:
            self.handle.progress(0.1)
        self.assertEqual((caught.exception.status, caught.exception.code), (200, "bad_response"))


class CancelTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)
        self.client, self.delays = make_client(self.server)

    def test_409_analysis_canceled_raises_analysis_canceled(self) -> None:
        self.server.queue("POST", "/progress", (409, envelope("analysis_canceled", "Analysis was canceled; stop working on it")))
        run = self.client.analysis(ANALYSIS_ID)
        with self.assertRaises(AnalysisCanceled) as caught:
            run.progress(0.4, stage="inference")
        err = caught.exception
        self.assertIsInstance(err, LoupeError)
        self.assertEqual((err.status, err.code), (409, "analysis_canceled"))
        self.assertTrue(err.request_id)
        self.assertTrue(run.canceled)
        self.assertEqual(len(self.server.requests), 1)  # a 409 is never retried

    def test_other_409_is_a_plain_loupe_error(self) -> None:
        self.server.queue("PATCH", "/status", (409, envelope("illegal_transition")))
        with self.assertRaises(LoupeError) as caught:
            self.client.analysis(ANALYSIS_ID).start()
        self.assertNotIsInstance(caught.exception, AnalysisCanceled)

    def test_cancel_inside_the_run_stops_it_without_fail(self) -> None:
        self.server.queue("POST", "/logs", (409, envelope("analysis_canceled")))
        steps = []
        with self.assertRaises(AnalysisCanceled):
            with self.client.analysis(ANALYSIS_ID) as run:
                with run.stage("inference") as stage:
                    for i in range(10):
                        steps.append(i)
                        stage.log("info", f"batch {i}")
                        run.flush()
        self.assertEqual(steps, [0])
        self.assertEqual(self.server.matching("POST", "/finalize"), [])
        # Nothing more was sent after the 409: no stage-failure report, no fail().
        self.assertEqual(self.server.requests[-1].path, f"/api/analyses/{ANALYSIS_ID}/logs")

    def test_user_cancel_endpoint(self) -> None:
        self.client.cancel_analysis(ANALYSIS_ID)
        (req,) = self.server.requests
        self.assertEqual((req.method, req.path), ("POST", f"/api/analyses/{ANALYSIS_ID}/cancel"))
        self.assertEqual(req.header("Authorization"), "Bearer tok_test")


class CreateAnalysisTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)
        self.client, self.delays = make_client(self.server)

    def test_create_sends_bearer_and_fields(self) -> None:
        image = "550e8400-e29b-41d4-a716-446655440000"
        created = self.client.create_analysis(
            image,
            "yolo_v8",
            "1.0.0",
            parameters={"confidence_threshold": 0.5},
            provenance={"git_commit": "abc123"},
            group_id="batch-1",
        )
        self.assertEqual(created["status"], "queued")
        (req,) = self.server.requests
        self.assertEqual((req.method, req.path), ("POST", f"/api/images/{image}/analyses"))
        self.assertEqual(req.header("Authorization"), "Bearer tok_test")
        self.assertIsNone(req.header("X-ML-Signature"))
        self.assertEqual(
            req.json,
            {
                "image_id": image,
                "model_name": "yolo_v8",
                "model_version": "1.0.0",
                "priority": 0,
                "parameters": {"confidence_threshold": 0.5},
                "provenance": {"git_commit": "abc123"},
                "group_id": "batch-1",
            },
        )

    def test_create_without_external_job_id_does_not_repeat_on_5xx(self) -> None:
        self.server.queue("POST", "/analyses", (503, envelope("internal_error")))
        with self.assertRaises(LoupeError):
            self.client.create_analysis("img", "m", "1")
        self.assertEqual(len(self.server.requests), 1)

    def test_create_without_external_job_id_still_retries_429(self) -> None:
        self.server.queue("POST", "/analyses", (429, envelope("rate_limited"), {"Retry-After": "1"}))
        self.client.create_analysis("img", "m", "1")
        self.assertEqual(self.delays, [1.0])

    def test_create_with_external_job_id_is_retried(self) -> None:
        self.server.queue("POST", "/analyses", (503, envelope("internal_error")), DROP)
        created = self.client.create_analysis("img", "m", "1", external_job_id="job-42", priority=5)
        self.assertEqual(created["external_job_id"], "job-42")
        self.assertEqual(len(self.server.requests), 3)
        self.assertEqual(self.server.requests[0].json["priority"], 5)


if __name__ == "__main__":
    unittest.main()
