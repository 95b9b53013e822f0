"""The probe in a real child process, driven by a stand-in adapter (sink.py): stops, requests, statistics, exits."""

import json
import math
import os
import socket
import struct
import tempfile
import time
import unittest

import torch
from nnet_probe.protocol import decode_float32

from .sink import EXAMPLES, SCRIPTS, TOKEN, Sink, arm

TRAIN = os.path.join(EXAMPLES, "train.py")


def f32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


class ProbeTest(unittest.TestCase):
    def setUp(self) -> None:
        self.sink = Sink()
        self.addCleanup(self.sink.close)

    def start(self, script: str, *args: str, **kw: object):
        self.sink.start(script, *args, **kw)
        peer = self.sink.accept()
        self.hello = peer.kind("hello")
        return peer

    def test_hello_carries_the_token_and_the_script(self) -> None:
        peer = self.start(TRAIN, "--steps", "2")
        self.assertEqual(self.hello["token"], TOKEN)
        self.assertEqual((self.hello["role"], self.hello["rank"], self.hello["worldSize"]), ("rank", 0, 1))
        self.assertEqual(self.hello["script"], TRAIN)
        self.assertEqual(self.hello["args"], ["--steps", "2"])
        self.assertEqual(self.hello["pid"], self.sink.proc.pid)
        self.assertTrue(self.hello["torch"].startswith("1."))
        peer.send(arm())
        self.assertEqual(peer.kind("exit"), {"kind": "exit", "code": 0, "error": None})
        self.assertEqual(self.sink.wait()[0], 0)

    def test_modules_and_their_construction_sites(self) -> None:
        peer = self.start(TRAIN, "--steps", "1")
        peer.send(arm())
        mods = peer.kind("modules")
        self.assertEqual(mods["root"], "MLP")
        self.assertEqual([m["path"] for m in mods["modules"]], ["fc1", "fc2", "fc3"])
        fc2 = mods["modules"][1]
        self.assertEqual(fc2["type"], "Linear")
        self.assertEqual(fc2["repr"], "Linear(in_features=32, out_features=32, bias=True)")
        self.assertEqual(fc2["params"], [{"name": "weight", "shape": [32, 32]}, {"name": "bias", "shape": [32]}])
        with open(TRAIN) as f:
            lines = f.read().splitlines()
        for m in mods["modules"]:
            self.assertEqual(m["site"]["file"], TRAIN)
            self.assertIn(f"self.{m['path']} = nn.Linear(", lines[m["site"]["line"] - 1])

        sink2 = Sink()
        self.addCleanup(sink2.close)
        script = os.path.join(SCRIPTS, "sites.py")
        sink2.start(script)
        peer2 = sink2.accept()
        peer2.send(arm())
        mods = peer2.kind("modules")["modules"]
        with open(script) as f:
            lines = f.read().splitlines()
        sites = {m["path"]: m["site"]["line"] for m in mods}
        self.assertEqual(list(sites), ["seq.0", "seq.2", "layers.0", "layers.1", "layers.2"])
        self.assertEqual(lines[sites["seq.0"] - 1].strip(), "nn.Linear(4, 6),")
        self.assertEqual(lines[sites["seq.2"] - 1].strip(), "nn.Linear(6,")  # a multi-line entry: its first line
        loop_line = lines.index("            self.layers.append(nn.Linear(4, 4))") + 1
        self.assertEqual({sites[f"layers.{i}"] for i in range(3)}, {loop_line})
        self.assertEqual(sink2.wait()[0], 0)

    def test_forward_then_backward_stop_reads_the_scripts_own_gradient(self) -> None:
        dump = os.path.join(tempfile.mkdtemp(), "grad.json")
        peer = self.start(TRAIN, "--steps", "3", "--dump", dump)
        peer.send(arm([{"path": "fc2", "forward": True, "backward": True}]))
        fwd = peer.kind("event")
        where = (fwd["phase"], fwd["module"], fwd["step"], fwd["call"], fwd["wait"])
        self.assertEqual(where, ("forward", "fc2", 0, 0, True))
        self.assertIsNone(fwd["loss"])
        self.assertEqual(sorted(fwd["tensors"]), ["bias", "input", "output", "weight"])
        self.assertEqual(fwd["tensors"]["output"]["shape"], [64, 32])
        self.assertEqual(fwd["tensors"]["weight"]["dtype"], "float32")
        peer.send({"kind": "resume"})
        bwd = peer.kind("event")
        self.assertEqual((bwd["phase"], bwd["module"], bwd["step"], bwd["call"]), ("backward", "fc2", 0, 0))
        self.assertIsInstance(bwd["loss"], float)
        for name in ("grad_output", "grad_input", "weight.grad", "bias.grad"):
            self.assertIn(name, bwd["tensors"])
        reply = peer.request("values", 1, module="fc2", tensor="weight.grad", offset=0, count=1 << 20)
        self.assertTrue(reply["ok"], reply)
        fetched = {}
        for rid, name in enumerate(("grad_output", "input"), start=2):
            body = peer.request("values", rid, module="fc2", tensor=name, offset=0, count=1 << 20)["body"]
            fetched[name] = torch.tensor(decode_float32(body["data"])).reshape(body["shape"])
        # ∂L/∂W = (∂L/∂output)ᵀ · input: the event's tensors belong together.
        product = (fetched["grad_output"].T @ fetched["input"]).reshape(-1)
        peer.send(arm())
        peer.send({"kind": "resume"})
        peer.kind("exit")
        self.assertEqual(self.sink.wait()[0], 0)
        with open(dump) as f:
            expected = json.load(f)
        got = decode_float32(reply["body"]["data"])
        self.assertEqual(reply["body"]["shape"], expected["shape"])
        self.assertEqual(list(got), [f32(v) for v in expected["values"]])
        self.assertTrue(torch.allclose(product, torch.tensor(got), rtol=1e-4, atol=1e-7))
        norm = math.sqrt(sum(v * v for v in expected["values"]))
        self.assertAlmostEqual(bwd["tensors"]["weight.grad"]["norm"], norm, places=6)

    def test_step_over_walks_the_backward_pass_with_every_modules_gradients(self) -> None:
        peer = self.start(TRAIN, "--steps", "2")
        peer.send(arm([{"path": "fc3", "forward": True, "backward": False}]))
        self.assertEqual(peer.kind("event")["module"], "fc3")
        walk = []
        peer.send(arm(every=True))  # Step Over: the next module event, whichever it is
        for _ in range(4):
            peer.send({"kind": "resume"})
            event = peer.kind("event")
            walk.append((event["phase"], event["module"], event["step"], sorted(event["tensors"])))
        grads = ["bias", "bias.grad", "grad_output", "input", "output", "weight", "weight.grad"]
        self.assertEqual(
            walk,
            [
                ("backward", "fc3", 0, sorted(grads + ["grad_input"])),
                ("backward", "fc2", 0, sorted(grads + ["grad_input"])),
                ("backward", "fc1", 0, grads),  # the data does not require grad: no ∂L/∂input
                ("forward", "fc1", 1, ["bias", "input", "output", "weight"]),
            ],
        )
        peer.send(arm())
        peer.send({"kind": "resume"})
        self.assertEqual(peer.kind("exit")["code"], 0)

    def test_a_module_called_twice_per_step_counts_its_calls(self) -> None:
        peer = self.start(os.path.join(SCRIPTS, "twice.py"))
        peer.send(arm([{"path": "shared", "forward": True, "backward": True}]))
        events = []
        while True:
            msg = peer.next()
            if msg is None or msg["kind"] == "exit":
                break
            if msg["kind"] == "event":
                events.append((msg["phase"], msg["step"], msg["call"]))
                peer.send({"kind": "resume"})
        # The no_grad evaluation counts as calls of step 0; autograd accumulates both calls' gradients in one backward.
        self.assertEqual(
            events,
            [("forward", 0, 0), ("forward", 0, 1), ("forward", 0, 2), ("forward", 0, 3), ("backward", 0, 0)]
            + [("forward", 1, 0), ("forward", 1, 1), ("backward", 1, 0)],
        )
        self.assertEqual(self.sink.wait()[0], 0)

    def test_two_roots_with_the_same_paths_are_told_apart(self) -> None:
        peer = self.start(os.path.join(SCRIPTS, "tworoots.py"))
        peer.send(arm([{"path": "Discriminator.fc1", "forward": True, "backward": False}]))
        first, second = peer.kind("modules"), peer.kind("modules")
        self.assertEqual((first["root"], [m["path"] for m in first["modules"]]), ("Generator", ["fc1"]))
        second_paths = [m["path"] for m in second["modules"]]
        self.assertEqual((second["root"], second_paths), ("Discriminator", ["Discriminator.fc1"]))
        event = peer.kind("event")
        self.assertEqual((event["module"], event["tensors"]["weight"]["shape"]), ("Discriminator.fc1", [1, 4]))
        peer.send({"kind": "resume"})
        self.assertEqual(peer.kind("exit")["code"], 0)

    def test_values_come_in_pages_and_summaries_on_request(self) -> None:
        peer = self.start(TRAIN, "--steps", "1")
        peer.send(arm([{"path": "fc1", "forward": True, "backward": False}]))
        peer.kind("event")
        whole = peer.request("values", 1, module="fc1", tensor="weight", offset=0, count=10_000)["body"]
        self.assertEqual((whole["shape"], whole["total"], whole["offset"]), ([32, 8], 256, 0))
        pages = []
        for i, offset in enumerate(range(0, 256, 100)):
            body = peer.request("values", 10 + i, module="fc1", tensor="weight", offset=offset, count=100)["body"]
            self.assertEqual(body["offset"], offset)
            pages.extend(decode_float32(body["data"]))
        self.assertEqual(pages, list(decode_float32(whole["data"])))
        past = peer.request("values", 20, module="fc1", tensor="weight", offset=500, count=10)["body"]
        self.assertEqual((past["offset"], past["data"]), (256, ""))
        summaries = peer.request("summaries", 21, module="fc1")["body"]["tensors"]
        self.assertEqual(summaries["input"]["shape"], [64, 8])
        self.assertEqual(summaries["weight"]["nonFinite"], 0)
        missing = peer.request("values", 22, module="fc9", tensor="weight", offset=0, count=1)
        self.assertFalse(missing["ok"])
        self.assertIn("fc9", missing["error"])
        peer.send({"kind": "resume"})
        peer.kind("exit")

    def test_pause_blocks_the_next_module_event_and_stop_exits_130(self) -> None:
        peer = self.start(TRAIN, "--steps", "1000000")
        peer.send(arm())
        peer.kind("modules")
        peer.send({"kind": "pause"})
        event = peer.kind("event")
        self.assertTrue(event["paused"])
        self.assertTrue(event["wait"])
        peer.send({"kind": "stop"})
        self.assertIsNone(peer.next())
        self.assertEqual(self.sink.wait()[0], 130)

    def test_the_adapter_going_away_ends_the_script(self) -> None:
        peer = self.start(TRAIN, "--steps", "1000000")
        peer.send(arm())
        peer.kind("modules")
        peer.sock.shutdown(socket.SHUT_RDWR)
        self.assertEqual(self.sink.wait()[0], 130)

    def test_nan_check_stops_at_the_overflowing_module(self) -> None:
        peer = self.start(os.path.join(SCRIPTS, "overflow.py"))
        peer.send(arm(nan_check=True))
        event = peer.kind("event")
        self.assertEqual((event["phase"], event["module"], event["nan"]), ("forward", "blowup", {"tensor": "output"}))
        self.assertGreater(event["tensors"]["output"]["nonFinite"], 0)
        self.assertEqual(event["tensors"]["input"]["nonFinite"], 0)
        peer.send(arm())
        peer.send({"kind": "resume"})
        self.assertEqual(peer.kind("exit")["code"], 0)

    def test_step_end_statistics_and_clipping(self) -> None:
        peer = self.start(os.path.join(SCRIPTS, "clipped.py"))
        peer.send(arm(step_end=True))
        first = peer.kind("stepEnd")
        self.assertEqual((first["step"], first["wait"], first["clipNorm"]), (0, True, 0.5))
        self.assertEqual([m["path"] for m in first["modules"]], ["0", "2"])
        self.assertGreater(first["gradNormBefore"], 0.5)
        self.assertAlmostEqual(first["gradNormAfter"], 0.5, places=5)
        # Module norms are before clipping: they add up to the norm clip_grad_norm_ measured.
        total = math.sqrt(sum(m["gradNorm"] ** 2 for m in first["modules"]))
        self.assertAlmostEqual(total / first["gradNormBefore"], 1.0, places=5)
        self.assertIn("deadFraction", first["modules"][0])
        self.assertNotIn("deadFraction", first["modules"][1])
        for m in first["modules"]:
            self.assertLessEqual(m["meanAbsGrad"], m["maxAbsGrad"])
        peer.send({"kind": "resume"})
        self.assertEqual(peer.kind("stepEnd")["step"], 1)
        peer.send(arm())
        peer.send({"kind": "resume"})
        self.assertEqual(peer.kind("exit")["code"], 0)
        code, out, err = self.sink.wait()
        self.assertEqual(code, 0, err)
        self.assertIn("lrs [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]", out)  # StepLR works through the wrapped step

    def test_progress_is_throttled_and_carries_every_loss(self) -> None:
        peer = self.start(TRAIN, "--steps", "200")
        start = time.monotonic()
        peer.send(arm(progress_ms=100, update_ratio_ms=300))
        rest = peer.rest()
        elapsed = time.monotonic() - start
        progress = [m for m in rest if m["kind"] == "progress"]
        self.assertGreaterEqual(len(progress), 1)
        self.assertLessEqual(len(progress), elapsed / 0.1 + 2)  # + the last one, at exit
        losses = [step for p in progress for step, _ in p["losses"]]
        self.assertEqual(losses, list(range(len(losses))))  # in order, none lost, none twice
        self.assertEqual(progress[0]["step"], 0)
        ratios = [m["updateRatio"] for p in progress for m in p["modules"] if "updateRatio" in m]
        self.assertTrue(ratios and all(0 < r < 1 for r in ratios), ratios)
        self.assertLess(sum(1 for p in progress if "updateRatio" in p["modules"][0]), len(progress) + 1)
        self.assertEqual(rest[-1]["kind"], "exit")

    def test_a_raising_script_sends_its_exception_and_exits_1(self) -> None:
        script = os.path.join(SCRIPTS, "raises.py")
        peer = self.start(script)
        peer.send(arm())
        exit_msg = peer.kind("exit")
        code, _, err = self.sink.wait()
        self.assertEqual((code, exit_msg["code"]), (1, 1))
        error = exit_msg["error"]
        self.assertEqual((error["type"], error["message"]), ("ValueError", "bad batch at step 2"))
        with open(script) as f:
            lines = f.read().splitlines()
        line = lines.index('        raise ValueError(f"bad batch at step {step}")') + 1
        self.assertEqual(error["site"], {"file": script, "line": line})
        self.assertTrue(err.startswith("Traceback (most recent call last):\n"), err)
        self.assertIn("ValueError: bad batch at step 2", err)
        self.assertNotIn("nnet_probe", err)  # the traceback reads as `python raises.py`'s would
        self.assertEqual(error["traceback"], err)

    def test_sys_exit_and_no_modules(self) -> None:
        peer = self.start(os.path.join(SCRIPTS, "nomodules.py"), "--exit3")
        peer.send(arm(every=True, progress_ms=1))
        rest = peer.rest()
        # No module ever ran, no optimizer stepped; the losses backward() saw still reach the loss curve.
        self.assertEqual([m["kind"] for m in rest], ["progress", "exit"])
        self.assertEqual([step for step, _ in rest[0]["losses"]], [0] * 5)
        self.assertEqual(rest[0]["modules"], [])
        self.assertEqual(rest[1], {"kind": "exit", "code": 3, "error": None})
        self.assertEqual(self.sink.wait()[0], 3)

    def test_bad_host_messages_are_ignored(self) -> None:
        peer = self.start(TRAIN, "--steps", "2")
        peer.send_raw(b"{nonsense\n[]\n")
        peer.send({"kind": "explode"})
        peer.send({"kind": "arm", "modules": "all"})
        peer.send({"kind": "values", "id": 1, "module": "fc1"})
        reply = peer.request("summaries", 2, module="fc1")  # valid, but the probe is not stopped
        self.assertEqual((reply["ok"], reply["error"]), (False, "the probe is not stopped"))
        peer.send(arm([{"path": "fc3", "forward": True, "backward": False}]))
        self.assertEqual(peer.kind("event")["module"], "fc3")
        peer.send(arm())
        peer.send({"kind": "resume"})
        self.assertEqual(peer.kind("exit")["code"], 0)
        code, _, err = self.sink.wait()
        self.assertEqual(code, 0)
        self.assertEqual(err.count("nnet probe: ignored a message"), 5, err)

    def test_without_a_connect_address_it_runs_unprobed(self) -> None:
        self.sink.start(TRAIN, "--steps", "3", connect=False)
        code, out, err = self.sink.wait()
        self.assertEqual(code, 0)
        self.assertIn("step    2", out)
        self.assertIn("running", err)
        self.assertIn("unprobed", err)

    def test_it_refuses_a_host_that_is_not_loopback(self) -> None:
        self.sink.start(TRAIN, probe_args=["--connect", "192.168.1.5:4000"], connect=False)
        code, out, err = self.sink.wait()
        self.assertEqual((code, out), (2, ""))
        self.assertIn("refusing to connect to '192.168.1.5'", err)


if __name__ == "__main__":
    unittest.main()
