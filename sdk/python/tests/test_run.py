"""The run handle: chunked annotations, stages and progress, log batching, uploads, finalize."""

from __future__ import annotations

import unittest

from _support import ANALYSIS_ID, FakeClock, StubServer, make_client

from loupe import DEFAULT_STAGE_RANGES, AnalysisCanceled, LoupeError, SEED_STAGE_RANGES

BASE = f"/api/analyses/{ANALYSIS_ID}"


def box(i: int) -> dict:
    return {
        "annotation_type": "bounding_box",
        "class_name": "cat",
        "confidence": 0.9,
        "data": {"x_min": i % 100, "y_min": 0, "x_max": i % 100 + 10, "y_max": 10},
        "ordering": i,
    }


class ServerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)
        self.clock = FakeClock()
        self.client, self.delays = make_client(self.server, clock=self.clock)

    def progress_bodies(self) -> list:
        return [r.json for r in self.server.matching("POST", "/progress")]


class AnnotateTest(ServerTest):
    def test_12000_annotations_go_out_in_3_chunks(self) -> None:
        annotations = [box(i) for i in range(12_000)]
        summary = self.client.analysis(ANALYSIS_ID).annotate(annotations)
        reqs = self.server.matching("POST", "annotations:bulk")
        self.assertEqual([len(r.json["annotations"]) for r in reqs], [5000, 5000, 2000])
        self.assertEqual([r.json["mode"] for r in reqs], ["append"] * 3)
        self.assertEqual([a["ordering"] for r in reqs for a in r.json["annotations"]], list(range(12_000)))
        for r in reqs:
            self.assertEqual(r.path, f"{BASE}/annotations:bulk")  # the colon is literal, not %3A
            self.assertTrue(r.signature_valid())
        self.assertEqual(summary, {"created": 12_000, "updated": 0, "duplicates": 0, "total": 2000, "requests": 3})

    def test_chunk_size_follows_max_bulk(self) -> None:
        client, _ = make_client(self.server, max_bulk=4)
        client.analysis(ANALYSIS_ID).annotate(box(i) for i in range(10))  # any iterable
        self.assertEqual([len(r.json["annotations"]) for r in self.server.matching("POST", "annotations:bulk")], [4, 4, 2])

    def test_replace_replaces_once_then_appends(self) -> None:
        client, _ = make_client(self.server, max_bulk=2)
        client.analysis(ANALYSIS_ID).annotate([box(i) for i in range(5)], mode="replace")
        self.assertEqual(
            [r.json["mode"] for r in self.server.matching("POST", "annotations:bulk")], ["replace", "append", "append"]
        )

    def test_empty(self) -> None:
        run = self.client.analysis(ANALYSIS_ID)
        self.assertEqual(run.annotate([])["requests"], 0)
        self.assertEqual(self.server.requests, [])
        run.annotate([], mode="replace")  # clears the set: one request
        self.assertEqual(self.server.requests[0].json, {"annotations": [], "mode": "replace"})

    def test_adapts_to_a_lower_server_limit(self) -> None:
        limit_error = {
            "error": {
                "code": "validation_error",
                "message": "At most 1000 annotations per request",
                "details": {"max": 1000, "received": 5000},
            }
        }
        self.server.queue("POST", "annotations:bulk", (400, limit_error))
        self.client.analysis(ANALYSIS_ID).annotate([box(i) for i in range(2500)])
        sizes = [len(r.json["annotations"]) for r in self.server.matching("POST", "annotations:bulk")]
        self.assertEqual(sizes, [2500, 1000, 1000, 500])
        self.assertEqual(self.client.max_bulk, 1000)

    def test_retried_chunk_is_resent_identically(self) -> None:
        self.server.queue(
            "POST", "annotations:bulk", (503, {"error": {"code": "internal_error", "message": "x", "details": None}})
        )
        self.client.analysis(ANALYSIS_ID).annotate([box(i) for i in range(3)])
        first, second = self.server.matching("POST", "annotations:bulk")
        self.assertEqual(first.body, second.body)
        self.assertNotEqual(first.header("X-ML-Nonce"), second.header("X-ML-Nonce"))

    def test_validation_errors_propagate(self) -> None:
        self.server.queue(
            "POST", "annotations:bulk", (400, {"error": {"code": "validation_error", "message": "bad box", "details": None}})
        )
        with self.assertRaises(LoupeError):
            self.client.analysis(ANALYSIS_ID).annotate([box(0)])
        self.assertEqual(len(self.server.requests), 1)


class StageTest(ServerTest):
    def test_stages_map_progress_into_the_default_ranges_by_name(self) -> None:
        self.assertEqual(DEFAULT_STAGE_RANGES["inference"], (0.15, 0.65))
        self.assertIs(SEED_STAGE_RANGES, DEFAULT_STAGE_RANGES)
        run = self.client.analysis(ANALYSIS_ID)
        with run.stage("preprocess"):
            pass
        with run.stage("inference") as stage:
            stage.progress(0.5)
            run.progress(0.75)  # inside a stage, run.progress maps too
            run.progress(2.0)  # clamped
        bodies = self.progress_bodies()
        self.assertEqual(
            [(b.get("progress"), b.get("stage")) for b in bodies],
            [
                (0.1, "preprocess"),
                (0.15, "preprocess"),
                (0.15, "inference"),
                (0.4, "inference"),
                (0.525, "inference"),
                (0.65, "inference"),
                (0.65, "inference"),
            ],
        )
        self.assertEqual(bodies[0]["message"], "preprocess started")
        self.assertEqual(bodies[-1]["message"], "inference completed")
        self.assertEqual([s.name for s in run.stages], ["preprocess", "inference"])
        self.assertIsNotNone(run.stages[1].duration)

    def test_weights_continue_from_the_previous_stage(self) -> None:
        run = self.client.analysis(ANALYSIS_ID)
        with run.stage("inference"):
            pass
        with run.stage("upload", weight=0.2) as upload:
            self.assertAlmostEqual(upload.start, 0.65)
            self.assertAlmostEqual(upload.end, 0.85)
            upload.progress(0.5)
        with run.stage("annotate", weight=0.5) as annotate:  # capped at 1
            self.assertAlmostEqual(annotate.end, 1.0)
        with run.stage("custom", span=(0.2, 0.3)) as custom:
            custom.progress(0.5)
        self.assertEqual(self.progress_bodies()[3]["progress"], 0.75)
        self.assertEqual(self.progress_bodies()[-2]["progress"], 0.25)

    def test_unknown_stage_without_weight_holds_progress(self) -> None:
        run = self.client.analysis(ANALYSIS_ID)
        run.progress(0.3)
        with run.stage("warmup") as stage:
            stage.progress(0.9)
        self.assertEqual([b["progress"] for b in self.progress_bodies()], [0.3, 0.3, 0.3, 0.3])

    def test_stage_reports_start_end_and_logs(self) -> None:
        run = self.client.analysis(ANALYSIS_ID)
        with run.stage("postprocess"):
            run.log("info", "filtering")
        run.flush()
        (logs,) = self.server.matching("POST", "/logs")
        lines = logs.json["lines"]
        self.assertEqual(
            [(line["message"][:15], line["stage"]) for line in lines],
            [("Stage started", "postprocess"), ("filtering", "postprocess"), ("Stage completed", "postprocess")],
        )
        self.assertRegex(lines[2]["message"], r"^Stage completed in \d+\.\d\ds$")

    def test_exception_in_stage_is_reported_and_reraised(self) -> None:
        run = self.client.analysis(ANALYSIS_ID)
        with self.assertRaisesRegex(ValueError, "bad frame"):
            with run.stage("inference"):
                raise ValueError("bad frame")
        self.assertIsInstance(run.stages[0].error, ValueError)
        last = self.progress_bodies()[-1]
        self.assertEqual(last, {"stage": "inference", "message": "inference failed: bad frame"})
        lines = self.server.matching("POST", "/logs")[-1].json["lines"]
        self.assertEqual(lines[-1]["level"], "error")
        self.assertIn("ValueError: bad frame", lines[-1]["message"])
        self.assertEqual(self.server.matching("POST", "/finalize"), [])  # the run decides, not the stage

    def test_a_stage_handle_always_maps_into_its_own_range(self) -> None:
        run = self.client.analysis(ANALYSIS_ID)
        with run.stage("stitch") as stitch:
            pass
        stitch.progress(0.5, force=True)
        self.assertEqual(self.progress_bodies()[-1], {"progress": 0.8, "stage": "stitch"})

    def test_stages_do_not_nest(self) -> None:
        run = self.client.analysis(ANALYSIS_ID)
        with run.stage("inference"):
            with self.assertRaises(RuntimeError):
                with run.stage("preprocess"):
                    pass

    def test_progress_is_throttled_unless_forced(self) -> None:
        client, _ = make_client(self.server, clock=self.clock, progress_interval=1.0)
        run = client.analysis(ANALYSIS_ID)
        self.assertIsNotNone(run.progress(0.1))
        self.assertIsNone(run.progress(0.2))  # too soon, skipped
        self.assertIsNotNone(run.progress(0.25, message="batch 2"))  # a message always goes
        self.assertIsNotNone(run.progress(0.3, force=True))
        self.clock.advance(1.5)
        self.assertIsNotNone(run.progress(0.4))
        self.assertEqual([b["progress"] for b in self.progress_bodies()], [0.1, 0.25, 0.3, 0.4])

    def test_bad_progress(self) -> None:
        with self.assertRaises(ValueError):
            self.client.analysis(ANALYSIS_ID).progress(float("nan"))


class LogTest(ServerTest):
    def test_flush_on_size(self) -> None:
        client, _ = make_client(self.server, clock=self.clock, log_batch_size=3)
        run = client.analysis(ANALYSIS_ID)
        run.log("info", "one")
        run.log("warn", "two")
        self.assertEqual(self.server.requests, [])
        run.log("error", "three", stage="inference")
        (req,) = self.server.requests
        self.assertEqual(req.path, f"{BASE}/logs")
        self.assertTrue(req.signature_valid())
        lines = req.json["lines"]
        self.assertEqual(
            [(line["level"], line["message"]) for line in lines], [("info", "one"), ("warning", "two"), ("error", "three")]
        )
        self.assertNotIn("stage", lines[0])
        self.assertEqual(lines[2]["stage"], "inference")
        for line in lines:
            self.assertRegex(line["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_flush_on_interval_at_the_next_call(self) -> None:
        run = self.client.analysis(ANALYSIS_ID)  # log_flush_interval defaults to 2 s
        run.log("info", "a")
        self.clock.advance(1.0)
        run.log("info", "b")
        self.assertEqual(self.server.requests, [])
        self.clock.advance(1.5)
        run.log("info", "c")
        (req,) = self.server.requests
        self.assertEqual([line["message"] for line in req.json["lines"]], ["a", "b", "c"])
        run.log("info", "d")
        self.clock.advance(3)
        run.progress(0.5)  # any later call flushes what is due, before it
        self.assertEqual([r.path.rsplit("/", 1)[1] for r in self.server.requests], ["logs", "logs", "progress"])

    def test_flush_on_complete_fail_and_close(self) -> None:
        run = self.client.analysis(ANALYSIS_ID)
        run.info("before complete")
        run.complete()
        self.assertEqual([r.path.rsplit("/", 1)[1] for r in self.server.requests], ["logs", "finalize"])
        self.server.requests.clear()
        run2 = self.client.analysis(ANALYSIS_ID)
        run2.error("boom")
        run2.fail("it broke")
        self.assertEqual([r.path.rsplit("/", 1)[1] for r in self.server.requests], ["logs", "finalize"])
        self.assertEqual(self.server.requests[1].json, {"status": "failed", "error_message": "it broke"})
        self.server.requests.clear()
        run3 = self.client.analysis(ANALYSIS_ID)
        run3.debug("x")
        run3.close()
        self.assertEqual([r.path.rsplit("/", 1)[1] for r in self.server.requests], ["logs"])

    def test_at_most_1000_lines_per_request(self) -> None:
        client, _ = make_client(self.server, clock=self.clock, log_batch_size=1000)
        run = client.analysis(ANALYSIS_ID)
        for i in range(2500):
            run.log("debug", f"line {i}")
        run.flush()
        sizes = [len(r.json["lines"]) for r in self.server.matching("POST", "/logs")]
        self.assertEqual(sizes, [1000, 1000, 500])

    def test_large_lines_split_by_bytes(self) -> None:
        client, _ = make_client(self.server, clock=self.clock, log_batch_size=1000)
        run = client.analysis(ANALYSIS_ID)
        for _ in range(300):
            run.log("info", "x" * 9000)  # clipped to 8000 chars; 300 of them exceed 1 MiB
        run.flush()
        reqs = self.server.matching("POST", "/logs")
        self.assertGreater(len(reqs), 1)
        self.assertTrue(all(len(r.body) < 1024 * 1024 for r in reqs))
        self.assertEqual(sum(len(r.json["lines"]) for r in reqs), 300)
        self.assertEqual(len(reqs[0].json["lines"][0]["message"]), 8000)

    def test_levels(self) -> None:
        import logging

        run = self.client.analysis(ANALYSIS_ID)
        with self.assertRaises(ValueError):
            run.log("verbose", "x")
        run.log(logging.WARNING, "w")
        run.log("INFO", "i")
        run.flush()
        self.assertEqual([line["level"] for line in self.server.requests[0].json["lines"]], ["warning", "info"])

    def test_implicit_flush_failures_do_not_break_the_pipeline(self) -> None:
        client, _ = make_client(self.server, clock=self.clock, log_batch_size=1)
        self.server.queue("POST", "/logs", (404, {"error": {"code": "not_found", "message": "no logs here", "details": None}}))
        with self.assertLogs("loupe", "WARNING"):
            client.analysis(ANALYSIS_ID).log("info", "dropped")  # warned, not raised
        self.server.queue("POST", "/logs", (404, {"error": {"code": "not_found", "message": "no logs here", "details": None}}))
        run = client.analysis(ANALYSIS_ID)
        run._log_buffer.append({"ts": "2025-01-01T00:00:00.000Z", "level": "info", "message": "m"})
        with self.assertRaises(LoupeError):
            run.flush()  # an explicit flush raises

    def test_cancel_during_implicit_flush_propagates(self) -> None:
        client, _ = make_client(self.server, clock=self.clock, log_batch_size=1)
        self.server.queue("POST", "/logs", (409, {"error": {"code": "analysis_canceled", "message": "stop", "details": None}}))
        with self.assertRaises(AnalysisCanceled):
            client.analysis(ANALYSIS_ID).log("info", "x")


class UploadTest(ServerTest):
    def test_presign_then_put(self) -> None:
        data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        path = self.client.analysis(ANALYSIS_ID).upload("heatmap", "heatmap.png", data)
        self.assertEqual(path, f"ml_outputs/{ANALYSIS_ID}/heatmap.png")
        presign, put = self.server.requests
        self.assertEqual((presign.method, presign.path), ("POST", f"{BASE}/artifacts/presign"))
        self.assertEqual(presign.json, {"artifact_type": "heatmap", "filename": "heatmap.png", "content_length": len(data)})
        self.assertTrue(presign.signature_valid())
        self.assertEqual((put.method, put.path), ("PUT", "/upload/heatmap.png?sig=abc"))
        self.assertEqual(put.body, data)
        self.assertEqual(put.header("Content-Type"), "image/png")  # from the presign response's headers
        self.assertIsNone(put.header("X-ML-Signature"))
        self.assertIsNone(put.header("Authorization"))

    def test_content_type_and_put_retry(self) -> None:
        self.server.queue("PUT", "/upload/", (503, b""))
        self.client.analysis(ANALYSIS_ID).upload("metadata", "meta.json", b"{}", content_type="application/json")
        presign = self.server.requests[0]
        self.assertEqual(presign.json["content_type"], "application/json")
        puts = self.server.matching("PUT", "/upload/")
        self.assertEqual(len(puts), 2)
        self.assertEqual(puts[1].header("Content-Type"), "application/json")


class RunContextTest(ServerTest):
    def test_start_and_normal_exit_completes(self) -> None:
        with self.client.analysis(ANALYSIS_ID) as run:
            started = run.start()
            self.assertEqual(started["status"], "processing")
        self.assertEqual(run.status, "completed")
        self.assertTrue(run.finalized)
        start, finalize = self.server.requests
        self.assertEqual((start.method, start.path, start.body), ("PATCH", f"{BASE}/status", b'{"status": "processing"}'))
        self.assertEqual((finalize.path, finalize.body), (f"{BASE}/finalize", b'{"status": "completed"}'))

    def test_exception_fails_and_propagates(self) -> None:
        with self.assertRaisesRegex(RuntimeError, "CUDA out of memory"):
            with self.client.analysis(ANALYSIS_ID) as run:
                run.start()
                with run.stage("inference"):
                    raise RuntimeError("CUDA out of memory")
        finalize = self.server.matching("POST", "/finalize")
        self.assertEqual([r.json for r in finalize], [{"status": "failed", "error_message": "CUDA out of memory"}])
        self.assertEqual(run.status, "failed")

    def test_already_finalized_is_not_finalized_again(self) -> None:
        with self.client.analysis(ANALYSIS_ID) as run:
            run.fail("gave up")
        self.assertEqual(len(self.server.matching("POST", "/finalize")), 1)

    def test_a_failing_fail_keeps_the_original_exception(self) -> None:
        self.server.queue("POST", "/finalize", (401, {"error": {"code": "signature_invalid", "message": "x", "details": None}}))
        with self.assertLogs("loupe", "WARNING"), self.assertRaises(KeyError):
            with self.client.analysis(ANALYSIS_ID):
                raise KeyError("k")

    def test_a_full_run(self) -> None:
        with self.client.analysis(ANALYSIS_ID) as run:
            run.start()
            with run.stage("preprocess"):
                run.log("info", "loaded image 1024x768")
            with run.stage("inference") as stage:
                for i in range(4):
                    stage.progress((i + 1) / 4, message=f"batch {i + 1} of 4")
            with run.stage("postprocess"):
                heatmap = run.upload("heatmap", "heatmap.png", b"png")
                run.annotate([box(1), {"annotation_type": "heatmap", "data": {"width": 2, "height": 2}, "storage_path": heatmap}])
        kinds = [r.path.rsplit("/", 1)[1].split("?")[0] for r in self.server.requests]
        self.assertEqual(kinds[0], "status")
        self.assertEqual(kinds[-2:], ["logs", "finalize"])
        self.assertIn("annotations:bulk", kinds)
        for r in self.server.requests:
            if r.method != "PUT":
                self.assertTrue(r.signature_valid(), r)
        self.assertEqual(max(b["progress"] for b in self.progress_bodies() if "progress" in b), 0.75)


if __name__ == "__main__":
    unittest.main()
