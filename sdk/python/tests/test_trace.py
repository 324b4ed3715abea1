"""W3C traceparent on every request: one trace per run, a fresh span per request, an incoming
traceparent continued (a run handed over by a webhook, or given one), a malformed one replaced."""

from __future__ import annotations

import re
import threading
import unittest
from typing import Any, List

from _support import ANALYSIS_ID, Recorded, StubServer, make_client
from test_receiver import WEBHOOK_SECRET, created, delivery
from test_worker import claimed

from loupe import Trace, WebhookReceiver, parse_traceparent, run_worker

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")
INCOMING = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
INCOMING_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"

MALFORMED = {
    "uppercase hex": "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
    "an all-zero trace id": f"00-{'0' * 32}-00f067aa0ba902b7-01",
    "an all-zero span id": f"00-{INCOMING_TRACE}-{'0' * 16}-01",
    "version ff": f"ff-{INCOMING_TRACE}-00f067aa0ba902b7-01",
    "version 00 with more after the flags": f"{INCOMING}-extra",
    "a short trace id": "00-4bf92f35-00f067aa0ba902b7-01",
    "garbage": "not a traceparent",
}


def traceparent_of(r: Recorded) -> str:
    return r.header("traceparent") or ""


def trace_id_of(r: Recorded) -> str:
    return traceparent_of(r).split("-")[1]


def span_of(r: Recorded) -> str:
    return traceparent_of(r).split("-")[2]


class TraceTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)

    def test_every_request_sends_a_version_00_sampled_traceparent_with_nonzero_ids(self) -> None:
        client, _ = make_client(self.server)
        client.create_analysis("img-1", "m", "1")
        with client.analysis(ANALYSIS_ID) as run:
            run.start()
        self.assertEqual(len(self.server.requests), 3)
        for r in self.server.requests:
            self.assertRegex(traceparent_of(r), TRACEPARENT)
            self.assertNotEqual(trace_id_of(r), "0" * 32)
            self.assertNotEqual(span_of(r), "0" * 16)

    def test_a_run_keeps_one_trace_id_across_its_callbacks_with_a_fresh_span_per_request(self) -> None:
        client, _ = make_client(self.server)
        with client.analysis(ANALYSIS_ID) as run:
            run.start()
            with run.stage("inference") as stage:
                stage.progress(0.5)
            run.upload("heatmap", "h.png", b"\x01\x02", "image/png")
            run.info("done")
        kinds = [r.path.split("?")[0].rsplit("/", 1)[-1] for r in self.server.requests]
        for kind in ("status", "progress", "presign", "h.png", "logs", "finalize"):
            self.assertIn(kind, kinds)
        self.assertEqual({trace_id_of(r) for r in self.server.requests}, {run.trace_id})
        self.assertEqual(len({span_of(r) for r in self.server.requests}), len(self.server.requests))

    def test_each_run_and_each_request_outside_a_run_has_its_own_trace(self) -> None:
        client, _ = make_client(self.server)
        self.assertNotEqual(client.analysis(ANALYSIS_ID).trace_id, client.analysis(ANALYSIS_ID).trace_id)
        client.create_analysis("img-1", "m", "1")
        client.create_analysis("img-2", "m", "1")
        first, second = self.server.requests
        self.assertNotEqual(trace_id_of(first), trace_id_of(second))

    def test_a_retry_is_a_new_span_of_the_same_trace(self) -> None:
        client, _ = make_client(self.server)
        self.server.queue("PATCH", "/status", (503, {"error": {"code": "unavailable", "message": "x", "details": None}}))
        client.analysis(ANALYSIS_ID).start()
        failed, retried = self.server.matching("PATCH", "/status")
        self.assertEqual(trace_id_of(failed), trace_id_of(retried))
        self.assertNotEqual(span_of(failed), span_of(retried))

    def test_a_runs_traceparent_is_continued_with_new_spans(self) -> None:
        client, _ = make_client(self.server)
        with client.analysis(ANALYSIS_ID, traceparent=INCOMING) as run:
            run.start()
        self.assertEqual(run.trace_id, INCOMING_TRACE)
        for r in self.server.requests:
            self.assertEqual(trace_id_of(r), INCOMING_TRACE)
            self.assertNotEqual(span_of(r), "00f067aa0ba902b7")

    def test_the_clients_traceparent_is_continued_and_a_per_call_one_wins_over_it(self) -> None:
        client, _ = make_client(self.server, traceparent=INCOMING)
        client.create_analysis("img-1", "m", "1")
        self.assertEqual(client.job("j1").trace_id, INCOMING_TRACE)
        client.create_analysis("img-2", "m", "1", traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        self.assertEqual([trace_id_of(r) for r in self.server.requests], [INCOMING_TRACE, "0af7651916cd43dd8448eb211c80319c"])

    def test_a_malformed_traceparent_starts_a_new_trace_instead(self) -> None:
        client, _ = make_client(self.server)
        for name, header in MALFORMED.items():
            with self.subTest(name):
                self.assertIsNone(parse_traceparent(header))
                run = client.analysis(ANALYSIS_ID, traceparent=header)
                run.start()
                self.assertRegex(run.trace_id, r"^[0-9a-f]{32}$")
                self.assertNotEqual(run.trace_id, INCOMING_TRACE)
                sent = self.server.requests[-1]
                self.assertRegex(traceparent_of(sent), TRACEPARENT)
                self.assertEqual(trace_id_of(sent), run.trace_id)

    def test_a_later_versions_extra_fields_are_ignored_as_the_spec_says(self) -> None:
        self.assertEqual(parse_traceparent(f"01-{INCOMING_TRACE}-00f067aa0ba902b7-01-future"), (INCOMING_TRACE, "00f067aa0ba902b7"))
        self.assertRegex(Trace.continue_from(INCOMING).traceparent(), rf"^00-{INCOMING_TRACE}-[0-9a-f]{{16}}-01$")


class HandedRunTraceTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)

    def receive(self, msg_id: str, traceparent: Any = None) -> str:
        client, _ = make_client(self.server)
        seen: List[str] = []

        def analysis(run: Any, item: dict) -> None:
            seen.append(run.trace_id)
            run.start()

        receiver = WebhookReceiver(client, WEBHOOK_SECRET, analysis=analysis)
        headers, body = delivery("analysis.created", created(), msg_id=msg_id)
        if traceparent is not None:
            headers["traceparent"] = traceparent
        self.assertEqual(receiver.handle(headers, body)[0], 204)
        receiver.join(5)
        return seen[0]

    def test_a_pushed_run_continues_the_deliverys_traceparent_in_every_callback(self) -> None:
        self.assertEqual(self.receive("msg_t1", INCOMING), INCOMING_TRACE)
        self.assertEqual([r.path.rsplit("/", 1)[-1] for r in self.server.requests], ["status", "finalize"])
        self.assertEqual({trace_id_of(r) for r in self.server.requests}, {INCOMING_TRACE})

    def test_a_pushed_run_with_a_malformed_traceparent_or_none_starts_its_own_trace(self) -> None:
        broken = self.receive("msg_t2", "00-zz-00f067aa0ba902b7-01")
        none = self.receive("msg_t3")
        for trace_id in (broken, none):
            self.assertRegex(trace_id, r"^[0-9a-f]{32}$")
        self.assertNotEqual(broken, none)
        self.assertEqual([trace_id_of(r) for r in self.server.requests], [broken, broken, none, none])

    def test_a_claimed_run_has_a_trace_of_its_own_apart_from_the_claims(self) -> None:
        client, _ = make_client(self.server, api_key="mlpip_test_key")
        self.server.queue("POST", "/api/pipelines/claim", (200, {"claimed": [claimed("a1")]}))
        stop = threading.Event()
        seen: List[str] = []

        def analysis(run: Any, item: dict) -> None:
            seen.append(run.trace_id)
            run.start()

        run_worker(client, analysis=analysis, on_run=lambda *_: stop.set(), stop=stop, idle_seconds=0.01)
        callbacks = [r for r in self.server.requests if r.path.startswith("/api/analyses/a1/")]
        self.assertEqual([r.path.rsplit("/", 1)[-1] for r in callbacks], ["status", "finalize"])
        self.assertEqual({trace_id_of(r) for r in callbacks}, set(seen))
        self.assertNotEqual(trace_id_of(self.server.matching("POST", "/api/pipelines/claim")[0]), seen[0])


if __name__ == "__main__":
    unittest.main()
