"""WebhookReceiver: verified deliveries answered at once, the run worked on a thread with the
delivered credential, cancels reaching the running handler, other events passed on."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import unittest
import urllib.error
import urllib.request
from typing import Any, List, Optional, Tuple

from _support import ANALYSIS_ID, SECRET, StubServer

from loupe import LoupeClient, WebhookReceiver

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"receiver-test-key").decode()
JOB_ID = "3f2b8f4e-6a8e-4c43-9d1e-0b1b7f2c9a10"


def delivery(event_type: str, data: dict, msg_id: str = "msg_1", secret: str = WEBHOOK_SECRET) -> Tuple[dict, bytes]:
    body = json.dumps({"type": event_type, "timestamp": "2026-12-02T15:00:00.000Z", "data": data}).encode()
    stamp = str(int(time.time()))
    key = base64.b64decode(secret[len("whsec_") :])
    signature = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": stamp, "webhook-signature": f"v1,{signature}"}, body


def created(run_id: str = ANALYSIS_ID) -> dict:
    return {
        "analysis": {"id": run_id, "status": "queued", "model_name": "yolo_v8", "parameters": {"conf": 0.3}},
        "image": {"url": "https://r2.example/img.png"},
        "callback": {"base_url": f"https://loupe.example.com/api/analyses/{run_id}", "secret": "mlcred_pushed"},
    }


class ReceiverTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)
        self.client = LoupeClient(self.server.url, SECRET, sleep=lambda _s: None, progress_interval=0)
        self.events: List[dict] = []
        self.outcomes: List[Tuple[str, str, Optional[BaseException]]] = []

    def receiver(self, **handlers: Any) -> WebhookReceiver:
        receiver = WebhookReceiver(
            self.client, WEBHOOK_SECRET, on_event=self.events.append, on_run=lambda item, outcome, error: self.outcomes.append((item["id"], outcome, error)), **handlers
        )
        self.addCleanup(receiver.join, 5)
        return receiver

    def test_an_analysis_is_answered_at_once_and_worked_with_its_delivered_credential(self) -> None:
        release = threading.Event()
        seen: List[Any] = []

        def analysis(run: Any, item: dict) -> None:
            release.wait(5)
            seen.append((type(run).__name__, item["kind"], item["event"], item["data"]["image"]["url"]))
            run.start()

        receiver = self.receiver(analysis=analysis)
        self.assertEqual(receiver.handle(*delivery("analysis.created", created())), (204, b""))
        self.assertEqual(self.server.requests, [])  # answered before any work
        release.set()
        receiver.join(5)
        self.assertEqual(seen, [("AnalysisRun", "analysis", "analysis.created", "https://r2.example/img.png")])
        start, finalize = self.server.requests
        self.assertEqual((start.path, finalize.path), (f"/api/analyses/{ANALYSIS_ID}/status", f"/api/analyses/{ANALYSIS_ID}/finalize"))
        self.assertTrue(start.signature_valid("mlcred_pushed"))
        self.assertIsNone(start.header("X-ML-Lease"))
        self.assertEqual(finalize.json, {"status": "completed"})
        self.assertEqual(self.outcomes, [(ANALYSIS_ID, "completed", None)])
        self.assertEqual(self.events, [])

    def test_a_runnable_job_runs_in_the_job_handle_and_a_raise_fails_it(self) -> None:
        def job(run: Any, item: dict) -> None:
            raise ValueError(f"no data for {item['data']['job']['kind']}")

        receiver = self.receiver(job=job)
        data = {"job": {"id": JOB_ID, "kind": "training"}, "callback": {"base_url": "x", "secret": "mlcred_job"}}
        with self.assertLogs("loupe", "WARNING"):
            self.assertEqual(receiver.handle(*delivery("job.runnable", data))[0], 204)
            receiver.join(5)
        (finalize,) = self.server.matching("POST", f"/api/jobs/{JOB_ID}/finalize")
        self.assertEqual(finalize.json, {"status": "failed", "error_message": "no data for training"})
        self.assertTrue(finalize.signature_valid("mlcred_job"))
        self.assertEqual(self.outcomes[0][1], "failed")

    def test_a_cancel_stops_the_running_handler_and_is_passed_on(self) -> None:
        started = threading.Event()

        def analysis(run: Any, item: dict) -> None:
            run.start()
            started.set()
            deadline = time.monotonic() + 5
            while not run.should_stop and time.monotonic() < deadline:
                time.sleep(0.01)
            run.progress(0.9, force=True)  # raises AnalysisCanceled without a request

        receiver = self.receiver(analysis=analysis)
        receiver.handle(*delivery("analysis.created", created()))
        self.assertTrue(started.wait(5))
        canceled = {"analysis": {"id": ANALYSIS_ID, "status": "canceled"}}
        self.assertEqual(receiver.handle(*delivery("analysis.canceled", canceled, "msg_2"))[0], 204)
        receiver.join(5)
        self.assertEqual(self.outcomes[0][1], "canceled")
        self.assertEqual(self.server.matching("POST", "/progress"), [])
        self.assertEqual(self.server.matching("POST", "/finalize"), [])
        self.assertEqual([e["type"] for e in self.events], ["analysis.canceled"])

    def test_a_retried_delivery_does_not_start_the_run_twice(self) -> None:
        release = threading.Event()
        calls: List[str] = []
        receiver = self.receiver(analysis=lambda run, item: (calls.append(item["id"]), release.wait(5)))
        hdrs, body = delivery("analysis.created", created())
        self.assertEqual(receiver.handle(hdrs, body)[0], 204)
        self.assertEqual(receiver.handle(hdrs, body)[0], 204)
        release.set()
        receiver.join(5)
        self.assertEqual(calls, [ANALYSIS_ID])

    def test_lifecycle_and_unhandled_events_go_to_on_event(self) -> None:
        receiver = self.receiver(job=lambda run, item: None)
        for event_type, data in (
            ("analysis.completed", {"analysis": {"id": ANALYSIS_ID, "status": "completed"}}),
            ("analysis.created", created()),  # no analysis handler here
        ):
            self.assertEqual(receiver.handle(*delivery(event_type, data))[0], 204)
        receiver.join(5)
        self.assertEqual(sorted(e["type"] for e in self.events), ["analysis.completed", "analysis.created"])
        self.assertEqual(self.server.requests, [])

    def test_refuses_bad_signatures_and_malformed_runs(self) -> None:
        receiver = self.receiver(analysis=lambda run, item: self.fail("handler ran"))
        hdrs, body = delivery("analysis.created", created(), secret="whsec_" + base64.b64encode(b"someone else").decode())
        status, answer = receiver.handle(hdrs, body)
        self.assertEqual((status, answer), (401, b"webhook verification failed: no matching signature"))
        no_credential = {k: v for k, v in created().items() if k != "callback"}
        self.assertEqual(receiver.handle(*delivery("analysis.created", no_credential))[0], 400)
        receiver.join(5)
        self.assertEqual((self.events, self.server.requests), ([], []))
        with self.assertRaises(ValueError):
            WebhookReceiver(self.client, "whsec_***")

    def test_serves_deliveries_over_http(self) -> None:
        done = threading.Event()
        receiver = self.receiver(analysis=lambda run, item: done.set())
        httpd = receiver.serve("127.0.0.1", 0)
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        url = f"http://127.0.0.1:{httpd.server_address[1]}/loupe"
        hdrs, body = delivery("analysis.created", created())
        with urllib.request.urlopen(urllib.request.Request(url, body, {**hdrs, "Content-Type": "application/json"})) as response:
            self.assertEqual(response.status, 204)
        self.assertTrue(done.wait(5))
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, body, {**hdrs, "webhook-id": "msg_forged"}))
        self.assertEqual(refused.exception.code, 401)


if __name__ == "__main__":
    unittest.main()
