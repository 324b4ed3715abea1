"""run_worker against the stub server: handlers per kind, outcomes, lease renewal, cancels and
lost leases seen by the handler, and giving runs back on stop and on SIGTERM."""

from __future__ import annotations

import os
import signal
import threading
import time
import unittest
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, List, Optional, Tuple
from unittest import mock

from _support import Recorded, StubServer, default_response, make_client

from loupe import LeaseLost, run_worker
from loupe import _lease_keeper

KEY = "mlpip_test_key"


def lease_in(seconds: float, token: str) -> dict:
    when = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return {"token": token, "expires_at": when.isoformat(timespec="milliseconds").replace("+00:00", "Z")}


def claimed(run_id: str, kind: str = "analysis", lease_seconds: float = 300) -> dict:
    return {
        "kind": kind,
        "id": run_id,
        "event": "analysis.created" if kind == "analysis" else "job.runnable",
        "lease": lease_in(lease_seconds, f"lease_{run_id}"),
        "data": {kind: {"id": run_id, "status": "queued"}, "callback": {"base_url": "http://x", "secret": f"mlcred_{run_id}"}},
    }


def conflict(code: str) -> tuple:
    return (409, {"error": {"code": code, "message": code, "details": None}})


def eventually(check: Callable[[], Any], timeout: float = 3.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


class WorkerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)
        self.client, _ = make_client(self.server, api_key=KEY)
        self.stop = threading.Event()
        self.outcomes: List[Tuple[str, str, Optional[BaseException]]] = []
        # Renew within a test's patience; the lease arithmetic is the same at any scale.
        for name, value in (("MIN_RENEW_SECONDS", 0.05), ("POLL_SECONDS", 0.01)):
            patcher = mock.patch.object(_lease_keeper, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)

    def on_run(self, item: dict, outcome: str, error: Optional[BaseException]) -> None:
        self.outcomes.append((item["id"], outcome, error))

    def stop_after(self, runs: int) -> Callable[[dict, str, Optional[BaseException]], None]:
        def on_run(item: dict, outcome: str, error: Optional[BaseException]) -> None:
            self.on_run(item, outcome, error)
            if len(self.outcomes) >= runs:
                self.stop.set()

        return on_run

    def work(self, **options: Any) -> int:
        options.setdefault("stop", self.stop)
        options.setdefault("on_run", self.on_run)
        options.setdefault("wait_seconds", 0)
        options.setdefault("idle_seconds", 0.01)
        return run_worker(self.client, **options)

    def finalized(self, run_id: str) -> List[Any]:
        return [r.json for r in self.server.matching("POST", f"/{run_id}/finalize")]

    def test_each_run_completes_fails_or_stops_quietly_as_its_handler_does(self) -> None:
        runs = [claimed("a1"), claimed("a2"), claimed("a3"), claimed("j1", "job")]
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": runs}))
        self.server.queue("PATCH", "/a3/status", conflict("analysis_canceled"))
        seen: List[Tuple[str, str]] = []

        def analysis(run: Any, item: dict) -> None:
            seen.append((type(run).__name__, item["data"]["analysis"]["id"]))
            run.start()
            if item["id"] == "a2":
                raise RuntimeError("model exploded")

        def job(run: Any, item: dict) -> None:
            seen.append((type(run).__name__, item["id"]))

        with self.assertLogs("loupe", "WARNING") as logs:
            handled = self.work(analysis=analysis, job=job, batch=4, wait_seconds=20, on_run=self.stop_after(4))
        self.assertIn("analysis a2 failed", "\n".join(logs.output))
        self.assertEqual(handled, 4)
        self.assertEqual(seen, [("AnalysisRun", "a1"), ("AnalysisRun", "a2"), ("AnalysisRun", "a3"), ("JobRun", "j1")])
        self.assertEqual([(i, o) for i, o, _ in self.outcomes], [("a1", "completed"), ("a2", "failed"), ("a3", "canceled"), ("j1", "completed")])
        self.assertEqual(self.finalized("a1"), [{"status": "completed"}])
        self.assertEqual(self.finalized("a2"), [{"status": "failed", "error_message": "model exploded"}])
        self.assertEqual(self.finalized("a3"), [])
        self.assertEqual(self.server.matching("POST", "/api/jobs/j1/finalize")[0].json, {"status": "completed"})
        claim = self.server.matching("POST", "/api/pipelines/claim")[0].json
        self.assertEqual(claim, {"limit": 4, "kinds": ["analysis", "job"], "wait_seconds": 20})
        start = self.server.matching("PATCH", "/a1/status")[0]
        self.assertTrue(start.signature_valid("mlcred_a1"))
        self.assertEqual(start.header("X-ML-Lease"), "lease_a1")
        self.assertEqual(self.server.matching("POST", "/claim/release"), [])

    def test_claims_only_the_kinds_it_has_handlers_for(self) -> None:
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [claimed("j1", "job")]}))
        self.work(job=lambda run, item: None, on_run=self.stop_after(1))
        self.assertEqual(self.server.matching("POST", "/api/pipelines/claim")[0].json["kinds"], ["job"])
        with self.assertRaises(TypeError):
            run_worker(self.client)

    def test_empty_claims_are_idle_seconds_apart(self) -> None:
        times: List[float] = []

        def answer(server: StubServer, req: Recorded) -> Any:
            if req.path == "/api/pipelines/claim":
                times.append(time.monotonic())
                if len(times) == 3:
                    self.stop.set()
            return default_response(server, req)

        self.server.fallback = answer
        self.assertEqual(self.work(analysis=lambda run, item: None, idle_seconds=0.2), 0)
        self.assertEqual(len(times), 3)
        self.assertGreaterEqual(times[2] - times[0], 0.35)

    def test_the_lease_is_renewed_at_a_third_of_its_time_and_the_new_token_used(self) -> None:
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [claimed("a1", lease_seconds=1.2)]}))
        self.server.queue("POST", "/claim/renew", (200, lease_in(300, "lease_renewed")))
        began = time.monotonic()

        def analysis(run: Any, item: dict) -> None:
            eventually(lambda: self.server.matching("POST", "/claim/renew"))
            renewed_after.append(time.monotonic() - began)
            run.start()

        renewed_after: List[float] = []
        self.work(analysis=analysis, on_run=self.stop_after(1))
        (renew,) = self.server.matching("POST", "/claim/renew")
        self.assertEqual(renew.json, {"kind": "analysis", "id": "a1", "token": "lease_a1"})
        self.assertGreater(renewed_after[0], 0.3)  # not at once: a third of 1.2 s
        self.assertLess(renewed_after[0], 1.0)  # and before the lease ran out
        self.assertEqual(self.server.matching("PATCH", "/a1/status")[0].header("X-ML-Lease"), "lease_renewed")
        self.assertEqual(self.outcomes[0][1], "completed")

    def test_a_renewal_that_answers_canceled_stops_the_handler(self) -> None:
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [claimed("a1", lease_seconds=0.3)]}))
        self.server.queue("POST", "/claim/renew", conflict("analysis_canceled"))

        def analysis(run: Any, item: dict) -> None:
            run.start()
            eventually(lambda: run.should_stop)
            self.assertTrue(run.canceled)

        self.work(analysis=analysis, on_run=self.stop_after(1))
        self.assertEqual(self.outcomes[0][1], "canceled")
        self.assertEqual(self.finalized("a1"), [])

    def test_a_renewal_that_answers_lease_lost_stops_the_handler_without_failing_the_run(self) -> None:
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [claimed("a1", lease_seconds=0.3)]}))
        self.server.queue("POST", "/claim/renew", conflict("lease_lost"))

        def analysis(run: Any, item: dict) -> None:
            eventually(lambda: run.should_stop)
            self.assertFalse(run.canceled)
            run.start()  # raises without a request: another worker may hold the run now

        self.work(analysis=analysis, on_run=self.stop_after(1))
        self.assertEqual(self.outcomes[0][1], "lease_lost")
        self.assertIsInstance(self.outcomes[0][2], LeaseLost)
        self.assertEqual(self.server.matching("PATCH", "/a1/status"), [])
        self.assertEqual(self.finalized("a1"), [])

    def test_a_waiting_run_canceled_before_its_turn_is_not_handed_out(self) -> None:
        runs = [claimed("a1"), claimed("a2", lease_seconds=0.3)]
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": runs}))
        self.server.queue("POST", "/claim/renew", conflict("analysis_canceled"))
        started: List[str] = []

        def analysis(run: Any, item: dict) -> None:
            started.append(item["id"])
            eventually(lambda: self.server.matching("POST", "/claim/renew"))

        self.assertEqual(self.work(analysis=analysis, batch=2, on_run=self.stop_after(2)), 1)
        self.assertEqual(self.server.matching("POST", "/claim/renew")[0].json["id"], "a2")
        self.assertEqual(started, ["a1"])
        self.assertEqual([(i, o) for i, o, _ in self.outcomes], [("a1", "completed"), ("a2", "canceled")])

    def test_stopping_gives_back_the_run_in_hand_and_the_unstarted_ones(self) -> None:
        runs = [claimed("a1"), claimed("a2"), claimed("a3")]
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": runs}))

        def analysis(run: Any, item: dict) -> None:
            run.start()
            self.stop.set()
            eventually(lambda: run.should_stop)

        self.assertEqual(self.work(analysis=analysis, batch=3), 1)
        released = {r.json["id"]: r.json["token"] for r in self.server.matching("POST", "/claim/release")}
        self.assertEqual(released, {"a1": "lease_a1", "a2": "lease_a2", "a3": "lease_a3"})
        self.assertEqual([(i, o) for i, o, _ in self.outcomes], [("a1", "released"), ("a2", "released"), ("a3", "released")])
        self.assertEqual(self.finalized("a1"), [])
        self.assertEqual(len([r for r in self.server.requests if r.path == "/api/pipelines/claim"]), 1)

    def test_runs_claimed_after_the_stop_are_given_back_unstarted(self) -> None:
        def answer(server: StubServer, req: Recorded) -> Any:
            if req.path == "/api/pipelines/claim":
                self.stop.set()  # the signal came while the claim was long-polling
                return (200, {"claimed": [claimed("a1")]})
            return default_response(server, req)

        self.server.fallback = answer
        self.assertEqual(self.work(analysis=lambda run, item: self.fail("handler ran")), 0)
        self.assertEqual([r.json["id"] for r in self.server.matching("POST", "/claim/release")], ["a1"])
        self.assertEqual([(i, o) for i, o, _ in self.outcomes], [("a1", "released")])

    def test_sigterm_stops_claiming_and_gives_the_runs_back(self) -> None:
        before = signal.getsignal(signal.SIGTERM)
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [claimed("a1"), claimed("a2")]}))

        def analysis(run: Any, item: dict) -> None:
            run.start()
            os.kill(os.getpid(), signal.SIGTERM)
            eventually(lambda: run.should_stop)

        self.assertEqual(self.work(analysis=analysis, batch=2, stop=None, install_signal_handlers=True), 1)
        self.assertEqual(sorted(r.json["id"] for r in self.server.matching("POST", "/claim/release")), ["a1", "a2"])
        self.assertEqual([o for _, o, _ in self.outcomes], ["released", "released"])
        self.assertIs(signal.getsignal(signal.SIGTERM), before)

    def test_signal_handlers_are_installed_only_from_the_main_thread(self) -> None:
        errors: List[BaseException] = []

        def elsewhere() -> None:
            try:
                run_worker(self.client, analysis=lambda run, item: None, install_signal_handlers=True)
            except ValueError as exc:
                errors.append(exc)

        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join(5)
        self.assertEqual(len(errors), 1)
        self.assertEqual(self.server.matching("POST", "/api/pipelines/claim"), [])


if __name__ == "__main__":
    unittest.main()
