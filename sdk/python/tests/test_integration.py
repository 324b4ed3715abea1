"""A full analysis and a training job against a running Loupe (``wrangler dev``). Skipped unless configured:

LOUPE_E2E_BASE_URL=http://127.0.0.1:8787   # the server
LOUPE_E2E_TOKEN=lp_...                     # a user API token (npm run admin -- create-user ...)
ML_CALLBACK_HMAC_SECRET=...                # the server's callback secret (default test_secret_123)

python3 -m unittest discover -s sdk/python/tests -p 'test_integration.py'
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import time
import unittest
import uuid
import zlib
from typing import Any, Dict, List

import _support  # noqa: F401  (puts src/ on sys.path)

from loupe import AnalysisCanceled, JobCanceled, LoupeClient, LoupeError

BASE_URL = os.environ.get("LOUPE_E2E_BASE_URL")
TOKEN = os.environ.get("LOUPE_E2E_TOKEN")
SECRET = os.environ.get("ML_CALLBACK_HMAC_SECRET", "test_secret_123").split(",")[0]


def png(width: int, height: int, gray: int = 128) -> bytes:
    """A valid grayscale PNG, made with zlib."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes([gray]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def multipart(field: str, filename: str, data: bytes, content_type: str) -> "tuple[bytes, str]":
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


@unittest.skipUnless(BASE_URL and TOKEN, "set LOUPE_E2E_BASE_URL and LOUPE_E2E_TOKEN to run against a live Loupe")
class LiveServerTest(unittest.TestCase):
    client: LoupeClient
    image_id: str
    project_id: str

    @classmethod
    def setUpClass(cls) -> None:
        assert BASE_URL and TOKEN
        cls.client = LoupeClient(BASE_URL, SECRET, token=TOKEN, max_retries=2)
        project = cls.client.user_request("POST", "/api/projects", {"name": f"sdk-python-e2e-{uuid.uuid4().hex[:8]}"})
        body, content_type = multipart("file", "gray.png", png(64, 48), "image/png")
        response = cls.client.transport.request(
            "POST",
            cls.client.url(f"/api/projects/{project['id']}/images"),
            lambda: (body, {"Content-Type": content_type, "Authorization": f"Bearer {TOKEN}"}),
        )
        cls.image_id = response.json()["id"]
        cls.project_id = project["id"]

    def create(self) -> Dict[str, Any]:
        return self.client.create_analysis(
            self.image_id,
            "sdk_python_e2e",
            "1.0.0",
            parameters={"threshold": 0.5},
            provenance={"sdk": "python"},
            external_job_id=f"e2e-{uuid.uuid4().hex}",
        )

    def test_full_run(self) -> None:
        analysis = self.create()
        self.assertEqual(analysis["status"], "queued")
        boxes: List[Dict[str, Any]] = [
            {
                "annotation_type": "bounding_box",
                "class_name": "thing",
                "confidence": 0.5,
                "data": {
                    "x_min": i % 50,
                    "y_min": 0,
                    "x_max": i % 50 + 10,
                    "y_max": 10 + i % 30,
                    "image_width": 64,
                    "image_height": 48,
                },
                "ordering": i,
            }
            for i in range(12_000)
        ]
        self.client.max_bulk = 6000  # above the server's 5000: the SDK must re-chunk on its 400
        with self.client.analysis(analysis["id"]) as run:
            self.assertEqual(run.start()["status"], "processing")
            with run.stage("preprocess"):
                run.log("info", "decoded 64x48 image")
            with run.stage("inference") as stage:
                for i in range(4):
                    stage.progress((i + 1) / 4, message=f"batch {i + 1} of 4")
                    run.log("debug", f"batch {i + 1}")
            with run.stage("postprocess", weight=0.1):
                mask_path = run.upload("mask", "mask.png", png(64, 48, 255))
                summary = run.annotate(boxes)
                self.assertEqual(summary["requests"], 3)
                self.assertEqual(summary["created"], 12_000)
                again = run.annotate(boxes[:100])  # idempotent: nothing new
                self.assertEqual((again["created"], again["duplicates"]), (0, 100))
                run.annotate(
                    [
                        {
                            "annotation_type": "mask",
                            "class_name": "thing",
                            "data": {"width": 64, "height": 48},
                            "storage_path": mask_path,
                        }
                    ]
                )
        self.assertEqual(self.client.max_bulk, 5000)
        final = self.client.user_request("GET", f"/api/analyses/{analysis['id']}/annotations?limit=1")
        self.assertEqual(final["total"], 12_001)
        got = self.client.get_analysis(analysis["id"])
        self.assertEqual((got["status"], got["progress"], got["annotation_count"]), ("completed", 1, 12_001))
        logs = self.client.user_request("GET", f"/api/analyses/{analysis['id']}/logs")
        messages = [line["message"] for line in logs["lines"]]
        self.assertIn("decoded 64x48 image", messages)
        self.assertIn("batch 4", messages)
        self.assertTrue(any(m.startswith("Stage completed in") for m in messages))

    def test_failure_is_reported(self) -> None:
        analysis = self.create()
        with self.assertRaises(RuntimeError):
            with self.client.analysis(analysis["id"]) as run:
                run.start()
                with run.stage("inference"):
                    raise RuntimeError("model exploded")
        got = self.client.get_analysis(analysis["id"])
        self.assertEqual((got["status"], got["error_message"]), ("failed", "model exploded"))

    def test_cancel_reaches_the_pipeline(self) -> None:
        analysis = self.create()
        with self.assertRaises(AnalysisCanceled):
            with self.client.analysis(analysis["id"]) as run:
                run.start()
                self.client.cancel_analysis(analysis["id"])
                run.progress(0.5, force=True)
        self.assertEqual(self.client.get_analysis(analysis["id"])["status"], "canceled")

    def test_bad_secret_is_refused_without_retry(self) -> None:
        analysis = self.create()
        delays: List[float] = []
        wrong = LoupeClient(BASE_URL or "", "not-the-secret", sleep=delays.append)
        with self.assertRaises(LoupeError) as caught:
            wrong.analysis(analysis["id"]).start()
        self.assertEqual((caught.exception.status, caught.exception.code), (401, "signature_invalid"))
        self.assertTrue(caught.exception.request_id)
        self.assertEqual(delays, [])

    def job_until_runnable(self, job_id: str) -> Dict[str, Any]:
        """A job waits for its project's slot and its frozen dataset before it may start."""
        for _ in range(200):
            job = self.client.get_job(job_id)
            dataset = job.get("dataset")
            if job["runnable_at"] and (dataset is None or dataset["status"] == "ready"):
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} never became runnable")

    def test_training_job(self) -> None:
        analysis = self.create()
        with self.client.analysis(analysis["id"]) as run:
            run.start()
            run.annotate([{"annotation_type": "bounding_box", "class_name": "cat", "confidence": 0.9, "data": {"x_min": 1, "y_min": 2, "x_max": 30, "y_max": 40}}])
        job = self.client.create_job(
            self.project_id, "training", "sdk_python_rescorer", parameters={"epochs": 3}, inputs={"dataset": {"format": "coco", "review": "any"}}
        )
        self.job_until_runnable(job["id"])
        with self.client.job(job["id"]) as run:
            self.assertEqual(run.start()["status"], "processing")
            dataset = run.download_dataset()
            self.assertEqual(hashlib.sha256(dataset).hexdigest(), self.client.get_job(job["id"])["dataset"]["sha256"])
            with run.stage("fit", span=(0.0, 0.9)) as stage:
                for epoch in range(1, 4):
                    run.metrics([{"name": "train/loss", "step": epoch, "epoch": epoch, "value": 1 / epoch}, {"name": "lr", "step": epoch, "value": 0.1}])
                    stage.progress(epoch / 3, f"epoch {epoch}", force=True)
            weights = run.upload("model", "rescorer.json", json.dumps({"weights": [0.1, 0.2]}).encode(), "application/json")
            version = run.register_model_version("1", [{"kind": "weights", "storage_path": weights}])
        self.assertEqual((version["name"], version["version"], version["job_id"]), ("sdk_python_rescorer", "1", job["id"]))
        self.assertAlmostEqual(version["metrics"]["train/loss"], 1 / 3)
        done = self.client.get_job(job["id"])
        self.assertEqual((done["status"], done["model_version_ids"]), ("completed", [version["id"]]))

    def test_job_cancel_reaches_the_pipeline(self) -> None:
        job = self.client.create_job(self.project_id, "custom", "sdk_python_canceled")
        self.job_until_runnable(job["id"])
        with self.assertRaises(JobCanceled):
            with self.client.job(job["id"]) as run:
                run.start()
                self.client.cancel_job(job["id"])
                run.progress(0.5, force=True)
        self.assertEqual(self.client.get_job(job["id"])["status"], "canceled")


if __name__ == "__main__":
    unittest.main()
