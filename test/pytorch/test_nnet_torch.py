"""unittest for nnet_torch.py, the module every PyTorch export ships: its numbers against nnet's own.

Run by test/pytorch/nnetTorch.test.ts, which writes nnet_torch.py and a fixtures file computed by nnet's engine
(NNET_TORCH_DIR, NNET_FIXTURES).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.environ["NNET_TORCH_DIR"])

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import nnet_torch as nt  # noqa: E402

FIXTURES = json.loads(Path(os.environ["NNET_FIXTURES"]).read_text())


class Mulberry32Test(unittest.TestCase):
    def test_the_same_numbers_as_nnets_prng(self) -> None:
        f = FIXTURES["rng"]
        rng = nt.Mulberry32(f["seed"])
        self.assertEqual(rng.uniforms(len(f["values"])).tolist(), f["values"])
        self.assertEqual(rng.next(), f["next"])

    def test_the_same_shuffle(self) -> None:
        f = FIXTURES["rng"]
        rng = nt.Mulberry32(f["seed"])
        a = np.arange(len(f["shuffled"]))
        rng.shuffle(a)
        self.assertEqual(a.tolist(), f["shuffled"])


class ScheduleTest(unittest.TestCase):
    def test_learning_rates_match_nnet(self) -> None:
        for case in FIXTURES["lr"]:
            got = nt.learning_rate_at(case["step"], case["base"], case["total"], **case["schedule"])
            self.assertAlmostEqual(got, case["lr"], delta=1e-15 * max(1.0, abs(case["lr"])), msg=str(case))


class OptimizerTest(unittest.TestCase):
    def test_three_steps_match_nnet_bit_for_bit(self) -> None:
        for case in FIXTURES["optimizers"]:
            p = nn.Parameter(torch.tensor(case["params"], dtype=torch.float32))
            opt = nt.NnetOptimizer([p], **case["config"])
            for g, want in zip(case["grads"], case["after"]):
                p.grad = torch.tensor(g, dtype=torch.float32)
                opt.step(case["lr"])
                np.testing.assert_allclose(p.detach().numpy(), np.float32(want), rtol=2e-7, err_msg=str(case["config"]))


class ClipTest(unittest.TestCase):
    def test_clip_by_norm_scales_by_max_over_norm_plus_1e_6(self) -> None:
        p = nn.Parameter(torch.zeros(2))
        p.grad = torch.tensor([3.0, 4.0])
        self.assertEqual(nt.clip_by_norm([p], 1.0), 5.0)
        np.testing.assert_allclose(p.grad.numpy(), [3 / (5 + 1e-6), 4 / (5 + 1e-6)], rtol=1e-7)
        p.grad = torch.tensor([0.3, 0.4])
        nt.clip_by_norm([p], 1.0)
        self.assertEqual(p.grad.tolist(), torch.tensor([0.3, 0.4]).tolist())

    def test_clip_by_value(self) -> None:
        p = nn.Parameter(torch.zeros(3))
        p.grad = torch.tensor([-2.0, 0.5, 3.0])
        nt.clip_by_value([p], 1.0)
        self.assertEqual(p.grad.tolist(), [-1.0, 0.5, 1.0])


class LossTest(unittest.TestCase):
    def test_fused_cross_entropy_delta_is_a_minus_y_over_b(self) -> None:
        z = torch.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], requires_grad=True)
        y = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        nt.nnet_loss("cross_entropy", True, z, y).backward()
        np.testing.assert_allclose(z.grad.numpy(), ((torch.softmax(z, 1) - y) / 2).detach().numpy(), rtol=1e-6)

    def test_unfused_bce_is_flat_outside_the_clamp(self) -> None:
        a = torch.tensor([[0.0], [0.5]], requires_grad=True)
        nt.nnet_loss("bce", False, a, torch.tensor([[1.0], [1.0]])).backward()
        self.assertEqual(a.grad[0, 0].item(), 0.0)
        self.assertAlmostEqual(a.grad[1, 0].item(), -1.0, places=6)


class BatchNormTest(unittest.TestCase):
    def test_matches_batchnorm1d_and_allows_one_sample(self) -> None:
        x = torch.randn(6, 3)
        ours, theirs = nt.BatchNorm(3), nn.BatchNorm1d(3)
        np.testing.assert_allclose(ours(x).detach().numpy(), theirs(x).detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-6)
        out = ours(torch.ones(1, 3))
        self.assertEqual(out.tolist(), [[0.0, 0.0, 0.0]])


class NpzTest(unittest.TestCase):
    def test_reads_the_npz_nnet_writes(self) -> None:
        with np.load(FIXTURES["npz"], allow_pickle=False) as f:
            self.assertEqual(f["h1.W"].dtype, np.float32)
            self.assertEqual(f["h1.W"].tolist(), [[1.0, 2.0, 3.0], [4.0, 5.0, -0.5]])
            self.assertEqual(f["rows"].dtype, np.int32)
            self.assertEqual(f["rows"].tolist(), [7, -1])

    def test_load_checks_names_and_shapes_and_save_round_trips(self) -> None:
        layer = nn.Linear(3, 2)
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "w.npz")
            np.savez(path, **{"h1.W": np.ones((2, 3), np.float32), "h1.b": np.zeros(2, np.float32)})
            nt.load_npz([("h1", layer)], path)
            self.assertEqual(layer.weight.tolist(), [[1.0] * 3] * 2)
            with self.assertRaisesRegex(KeyError, "no array 'h2.W'"):
                nt.load_npz([("h2", layer)], path)
            with self.assertRaisesRegex(ValueError, r"'h1.W' has shape \[2, 3\], the model needs \[3, 3\]"):
                nt.load_npz([("h1", nn.Linear(3, 3))], path)
            out = str(Path(tmp) / "saved.npz")
            nt.save_npz([("h1", layer)], out)
            with np.load(out, allow_pickle=False) as f:
                self.assertEqual(sorted(f.keys()), ["h1.W", "h1.b"])


if __name__ == "__main__":
    unittest.main()
