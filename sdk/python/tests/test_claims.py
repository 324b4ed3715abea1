"""Claims with a pipeline key: long-polls, one run's claim, renewing and giving back a lease."""

from __future__ import annotations

import time
import unittest

from _support import ANALYSIS_ID, SECRET, Recorded, StubServer, make_client

from loupe import AnalysisCanceled, LeaseLost

KEY = "mlpip_test_key"
JOB_ID = "3f2b8f4e-6a8e-4c43-9d1e-0b1b7f2c9a10"


def claimed(kind: str = "analysis", run_id: str = ANALYSIS_ID, token: str = "lease_1", secret: str = "mlcred_run") -> dict:
    record = {"id": run_id, "status": "queued"}
    return {
        "kind": kind,
        "id": run_id,
        "event": "analysis.created" if kind == "analysis" else "job.runnable",
        "lease": {"token": token, "expires_at": "2030-01-01T00:00:00.000Z"},
        "data": {kind: record, "callback": {"base_url": "http://x", "secret": secret}},
    }


def conflict(code: str) -> tuple:
    return (409, {"error": {"code": code, "message": code, "details": None}})


class ClaimTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)
        self.client, _ = make_client(self.server, api_key=KEY)

    def test_wait_seconds_is_sent_only_for_a_long_poll(self) -> None:
        self.client.claim()
        self.client.claim(limit=3, kinds=["job"], wait_seconds=20)
        bodies = [r.json for r in self.server.matching("POST", "/api/pipelines/claim")]
        self.assertEqual(bodies, [{"limit": 1}, {"limit": 3, "kinds": ["job"], "wait_seconds": 20}])
        for refused in (21, -1, 2.5):
            with self.subTest(wait_seconds=refused), self.assertRaisesRegex(ValueError, "wait_seconds"):
                self.client.claim(wait_seconds=refused)  # type: ignore[arg-type]

    def test_a_long_poll_outlasts_a_short_client_timeout(self) -> None:
        client, _ = make_client(self.server, api_key=KEY, timeout=0.5)

        def answer_late(server: StubServer, req: Recorded) -> tuple:
            time.sleep(1.0)  # longer than the client's timeout, shorter than the wait
            return (200, {"claimed": []})

        self.server.fallback = answer_late
        self.assertEqual(client.claim(wait_seconds=2), [])

    def test_claim_run_takes_one_run_and_keeps_its_credential_and_lease(self) -> None:
        self.server.queue("POST", f"/api/analyses/{ANALYSIS_ID}/claim", (200, claimed()))
        self.server.queue("POST", f"/api/jobs/{JOB_ID}/claim", (200, claimed("job", JOB_ID, "lease_j", "mlcred_job")))
        self.assertEqual(self.client.claim_run("analysis", ANALYSIS_ID)["id"], ANALYSIS_ID)
        self.assertEqual(self.client.claim_run("job", JOB_ID)["id"], JOB_ID)
        for path in (f"/api/analyses/{ANALYSIS_ID}/claim", f"/api/jobs/{JOB_ID}/claim"):
            (request,) = self.server.matching("POST", path)
            self.assertEqual((request.json, request.header("X-API-Key")), ({}, KEY))
            self.assertTrue(request.signature_valid(SECRET))  # the server checks it as a callback on the run
        self.client.analysis(ANALYSIS_ID).start()
        self.client.job(JOB_ID).start()
        analysis_start, job_start = self.server.matching("PATCH", "/status")
        self.assertTrue(analysis_start.signature_valid("mlcred_run"))
        self.assertEqual(analysis_start.header("X-ML-Lease"), "lease_1")
        self.assertTrue(job_start.signature_valid("mlcred_job"))
        self.assertEqual(job_start.header("X-ML-Lease"), "lease_j")
        with self.assertRaisesRegex(ValueError, "kind"):
            self.client.claim_run("training", JOB_ID)

    def test_release_gives_the_lease_back_and_forgets_it(self) -> None:
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [claimed()]}))
        self.client.claim()
        self.assertEqual(self.client.release("analysis", ANALYSIS_ID)["status"], "queued")
        (release,) = self.server.matching("POST", "/claim/release")
        self.assertEqual(release.json, {"kind": "analysis", "id": ANALYSIS_ID, "token": "lease_1"})
        self.client.analysis(ANALYSIS_ID).start()
        self.assertIsNone(self.server.matching("PATCH", "/status")[0].header("X-ML-Lease"))
        with self.assertRaisesRegex(ValueError, "no lease"):
            self.client.release("analysis", ANALYSIS_ID)

    def test_renew_keeps_the_token_it_is_given(self) -> None:
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [claimed()]}))
        self.server.queue("POST", "/claim/renew", (200, {"token": "lease_2", "expires_at": "2030-01-01T00:05:00.000Z"}))
        self.client.claim()
        self.assertEqual(self.client.renew("analysis", ANALYSIS_ID)["token"], "lease_2")
        self.assertEqual(self.server.matching("POST", "/claim/renew")[0].json["token"], "lease_1")
        self.client.analysis(ANALYSIS_ID).start()
        self.assertEqual(self.server.matching("PATCH", "/status")[0].header("X-ML-Lease"), "lease_2")

    def test_a_renewal_refused_raises_and_forgets_the_lease(self) -> None:
        for answer, error in ((conflict("lease_lost"), LeaseLost), (conflict("analysis_canceled"), AnalysisCanceled)):
            self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [claimed()]}))
            self.server.queue("POST", "/claim/renew", answer)
            self.client.claim()
            with self.assertRaises(error):
                self.client.renew("analysis", ANALYSIS_ID)
            with self.assertRaisesRegex(ValueError, "no lease"):
                self.client.renew("analysis", ANALYSIS_ID)

    def test_a_lost_lease_stops_the_handle_without_failing_the_run(self) -> None:
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [claimed()]}))
        self.server.queue("POST", "/progress", conflict("lease_lost"))
        self.client.claim()
        with self.assertRaises(LeaseLost):
            with self.client.analysis(ANALYSIS_ID) as run:
                run.start()
                try:
                    run.progress(0.5, force=True)
                except LeaseLost:
                    self.assertTrue(run.should_stop)
                    self.assertFalse(run.canceled)
                sent = len(self.server.requests)
                run.log("info", "still here")
                run.start()  # raises locally: the run may be another worker's by now
        self.assertEqual(len(self.server.requests), sent)
        self.assertEqual(self.server.matching("POST", "finalize"), [])


if __name__ == "__main__":
    unittest.main()
