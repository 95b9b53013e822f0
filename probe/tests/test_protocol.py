"""The wire forms of protocol.py: numbers JSON cannot carry, float32 pages, and validation of host messages."""

import io
import json
import math
import unittest
from contextlib import redirect_stderr

from nnet_probe.connection import parse_address
from nnet_probe.protocol import decode_float32, decode_number, dumps, encode_float32, encode_number, parse_host_message

ARM = {"kind": "arm", "modules": [], "every": False, "nanCheck": True, "stepEnd": False}


class NumbersTest(unittest.TestCase):
    def test_non_finite_numbers_travel_in_wire_forms(self) -> None:
        self.assertIsNone(encode_number(math.nan))
        self.assertEqual(encode_number(math.inf), "Infinity")
        self.assertEqual(encode_number(-math.inf), "-Infinity")
        self.assertEqual(encode_number(-0.0), "-0")
        self.assertEqual(encode_number(1.5), 1.5)
        for x in (math.inf, -math.inf, -0.0, 2.25):
            self.assertEqual(repr(decode_number(encode_number(x))), repr(x))
        self.assertTrue(math.isnan(decode_number(None)))

    def test_dumps_never_fails_on_nan(self) -> None:
        line = dumps({"kind": "x", "v": [math.nan, math.inf, {"w": -math.inf}], "n": 3})
        self.assertTrue(line.endswith(b"\n"))
        self.assertEqual(json.loads(line), {"kind": "x", "v": [None, "Infinity", {"w": "-Infinity"}], "n": 3})

    def test_float32_little_endian_base64(self) -> None:
        self.assertEqual(encode_float32([1.0]), "AACAPw==")  # 0x3f800000 little-endian
        values = decode_float32(encode_float32([0.5, -2.0, math.inf]))
        self.assertEqual(values[:2], (0.5, -2.0))
        self.assertEqual(values[2], math.inf)


class HostMessagesTest(unittest.TestCase):
    def parse(self, msg: object) -> object:
        with redirect_stderr(io.StringIO()) as err:
            out = parse_host_message(msg if isinstance(msg, str) else json.dumps(msg))
        self.last_err = err.getvalue()
        return out

    def test_a_good_arm(self) -> None:
        modules = [{"path": "fc2", "forward": False, "backward": True}]
        msg = self.parse({**ARM, "modules": modules, "progressMs": 250, "updateRatioMs": 1000})
        arm = msg["arm"]
        self.assertTrue(arm.nan_check)
        self.assertEqual(arm.progress_ms, 250)
        self.assertTrue(arm.backward("fc2"))
        self.assertFalse(arm.forward("fc2"))
        self.assertFalse(arm.backward("fc1"))

    def test_bad_messages_are_ignored_with_a_note(self) -> None:
        bad = [
            "not json",
            "[1, 2]",
            {"kind": "fly"},
            {**ARM, "progressMs": -1, "updateRatioMs": 0},
            {**ARM, "progressMs": 1},
            {**ARM, "modules": [{"path": 3}], "progressMs": 1, "updateRatioMs": 0},
            {"kind": "values", "id": 1, "module": "fc1", "tensor": "weight", "offset": -1, "count": 4},
            {"kind": "values", "id": "1", "module": "fc1", "tensor": "weight", "offset": 0, "count": 4},
            {"kind": "summaries", "id": 1},
        ]
        for msg in bad:
            self.assertIsNone(self.parse(msg), msg)
            self.assertIn("ignored", self.last_err)

    def test_requests_and_commands(self) -> None:
        self.assertEqual(self.parse({"kind": "resume", "extra": 1}), {"kind": "resume"})
        request = {"kind": "summaries", "id": 4, "module": "fc1"}
        self.assertEqual(self.parse(request), request)

    def test_addresses(self) -> None:
        self.assertEqual(parse_address("127.0.0.1:5000"), ("127.0.0.1", 5000))
        self.assertEqual(parse_address("[::1]:80"), ("::1", 80))
        self.assertIsNone(parse_address("localhost"))


if __name__ == "__main__":
    unittest.main()
