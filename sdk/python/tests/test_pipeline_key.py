"""Pipeline keys and run credentials: the key on every request, the credential signing its analysis."""

from __future__ import annotations

import unittest

from _support import ANALYSIS_ID, SECRET, StubServer, make_client

from loupe import LoupeClient

KEY = "mlpip_" + "k" * 43
CREDENTIAL = "mlcred_" + "c" * 43


class PipelineKeyTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = StubServer().__enter__()
        self.addCleanup(self.server.__exit__)

    def test_key_goes_as_x_api_key_on_creates_and_callbacks_never_beside_a_token(self) -> None:
        client, _ = make_client(self.server, api_key=KEY, token="lp_user")
        client.create_analysis("img-1", "m", "1")
        client.analysis(ANALYSIS_ID).start()
        self.assertGreaterEqual(len(self.server.requests), 2)
        for r in self.server.requests:
            self.assertEqual(r.header("X-API-Key"), KEY)
            self.assertIsNone(r.header("Authorization"))

    def test_an_analysis_created_by_key_is_signed_with_its_run_credential(self) -> None:
        client = LoupeClient(self.server.url, None, api_key=KEY, sleep=lambda _s: None)
        callback = {"base_url": f"{self.server.url}/api/analyses/{ANALYSIS_ID}", "secret": CREDENTIAL}
        self.server.queue("POST", "/analyses", (201, {"id": ANALYSIS_ID, "status": "queued", "annotations": [], "callback": callback}))
        client.create_analysis("img-1", "m", "1")
        client.analysis(ANALYSIS_ID).start()
        (status,) = self.server.matching("PATCH", "/status")
        self.assertTrue(status.signature_valid(CREDENTIAL))
        self.assertFalse(status.signature_valid(SECRET))

    def test_other_analyses_keep_the_client_secret(self) -> None:
        client, _ = make_client(self.server)
        client.use_credential("other", CREDENTIAL)
        client.analysis(ANALYSIS_ID).start()
        self.assertTrue(self.server.matching("PATCH", "/status")[0].signature_valid(SECRET))

    def test_refuses_a_key_or_credential_that_is_not_one(self) -> None:
        with self.assertRaisesRegex(ValueError, "mlpip_"):
            LoupeClient(self.server.url, SECRET, api_key="lp_user")
        client, _ = make_client(self.server)
        with self.assertRaisesRegex(ValueError, "mlcred_"):
            client.use_credential(ANALYSIS_ID, SECRET)


if __name__ == "__main__":
    unittest.main()
