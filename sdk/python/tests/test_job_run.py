"""The job handle against a stub server: its paths, its request limits, and a cancel."""

from __future__ import annotations

import unittest

from _support import StubServer, make_client

from loupe import JobCanceled, RunCanceled

JOB_ID = "3f2b8f4e-6a8e-4c43-9d1e-0b1b7f2c9a10"
BASE = f"/api/jobs/{JOB_ID}"


def job(status: str) -> dict:
    return {"id": JOB_ID, "status": status, "kind": "training", "model_name": "rescorer"}


class JobRunTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)
        self.client, self.delays = make_client(self.server)

    def test_callbacks_go_to_the_job_and_the_context_finalizes_it(self) -> None:
        self.server.queue("PATCH", f"{BASE}/status", (200, job("processing")))
        self.server.queue("POST", f"{BASE}/finalize", (200, job("completed")))
        with self.client.job(JOB_ID) as run:
            self.assertEqual(run.start()["status"], "processing")
            self.assertEqual(run.job["status"], "processing")
        calls = [r for r in self.server.requests if r.path.startswith(BASE)]
        self.assertEqual([r.path for r in calls], [f"{BASE}/status", f"{BASE}/finalize"])
        self.assertTrue(all(r.signature_valid() for r in calls))
        self.assertEqual(calls[1].json, {"status": "completed"})

    def test_metrics_go_out_1000_points_at_a_time(self) -> None:
        for accepted in (1000, 1000, 500):
            self.server.queue("POST", f"{BASE}/metrics", (200, {"accepted": accepted, "names": ["train/loss"]}))
        answer = self.client.job(JOB_ID).metrics({"name": "train/loss", "step": i, "value": 1 / (i + 1)} for i in range(2500))
        self.assertEqual([len(r.json["points"]) for r in self.server.matching("POST", f"{BASE}/metrics")], [1000, 1000, 500])
        self.assertEqual(answer, {"accepted": 2500, "names": ["train/loss"]})

    def test_a_batch_is_read_page_by_page_and_answered_100_at_a_time(self) -> None:
        self.server.queue(
            "POST",
            f"{BASE}/batch/images",
            (200, {"images": [{"id": "a"}, {"id": "b"}], "total": 3, "next_cursor": "c1"}),
            (200, {"images": [{"id": "c"}], "total": 3, "next_cursor": None}),
        )
        run = self.client.job(JOB_ID)
        self.assertEqual([i["id"] for i in run.batch_images(2)], ["a", "b", "c"])
        self.assertEqual([r.json for r in self.server.matching("POST", "batch/images")], [{"limit": 2}, {"limit": 2, "cursor": "c1"}])
        for _ in range(3):
            self.server.queue("POST", f"{BASE}/batch/results", (200, {"results": [{"image_id": "x"}], "batch": {"total": 250}}))
        result = run.batch_results({"image_id": str(i), "status": "completed"} for i in range(250))
        self.assertEqual([len(r.json["items"]) for r in self.server.matching("POST", "batch/results")], [100, 100, 50])
        self.assertEqual((len(result["results"]), result["batch"]), (3, {"total": 250}))

    def test_claimed_runs_are_signed_with_their_own_credential(self) -> None:
        client, _ = make_client(self.server, api_key="mlpip_test_key")
        run = {"kind": "job", "id": JOB_ID, "event": "job.runnable", "lease": {"token": "lease_abc", "expires_at": "2030-01-01T00:00:00.000Z"}, "data": {"job": job("queued"), "callback": {"secret": "mlcred_abc"}}}
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [run]}))
        self.assertEqual([c["id"] for c in client.claim(limit=2, kinds=["job"])], [JOB_ID])
        request = self.server.matching("POST", "/api/pipelines/claim")[0]
        self.assertEqual((request.header("X-API-Key"), request.json), ("mlpip_test_key", {"limit": 2, "kinds": ["job"]}))
        client.job(JOB_ID).start()
        start = self.server.matching("PATCH", f"{BASE}/status")[0]
        self.assertTrue(start.signature_valid("mlcred_abc"))
        self.assertEqual(start.header("X-ML-Lease"), "lease_abc")
        with self.assertRaises(ValueError):
            self.client.claim()

    def test_a_cancel_raises_job_canceled_and_is_not_failed(self) -> None:
        self.server.queue("POST", f"{BASE}/progress", (409, {"error": {"code": "job_canceled", "message": "canceled", "details": None}}))
        with self.assertRaises(JobCanceled) as caught:
            with self.client.job(JOB_ID) as run:
                run.progress(0.5, "fit", "epoch 1", force=True)
        self.assertIsInstance(caught.exception, RunCanceled)
        self.assertEqual(self.server.matching("POST", "finalize"), [])


if __name__ == "__main__":
    unittest.main()
