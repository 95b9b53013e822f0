"""`--nproc N`: the launcher's hello and rankExit, each rank's own connection and statistics, a failing rank."""

import os
import unittest

from .sink import EXAMPLES, SCRIPTS, Sink, arm


class LauncherTest(unittest.TestCase):
    def setUp(self) -> None:
        self.sink = Sink()
        self.addCleanup(self.sink.close)

    def test_two_ranks_of_ddp_report_each_their_own(self) -> None:
        self.sink.start(os.path.join(EXAMPLES, "ddp.py"), "--steps", "20", probe_args=["--nproc", "2"])
        peers = [self.sink.accept() for _ in range(3)]
        hellos = [p.kind("hello") for p in peers]
        roles = sorted((h["role"], h["rank"], h["worldSize"]) for h in hellos)
        self.assertEqual(roles, [("launcher", 0, 2), ("rank", 0, 2), ("rank", 1, 2)])
        launcher = peers[[h["role"] for h in hellos].index("launcher")]
        ranks = {h["rank"]: p for h, p in zip(hellos, peers) if h["role"] == "rank"}
        for peer in ranks.values():
            peer.send(arm(progress_ms=1))
        for rank, peer in ranks.items():
            msgs = peer.rest()
            mods = [m for m in msgs if m["kind"] == "modules"]
            self.assertEqual(mods[0]["root"], "MLP")  # the DistributedDataParallel wrapper is not a level
            self.assertEqual([m["path"] for m in mods[0]["modules"]], ["fc1", "fc2", "fc3"])
            progress = [m for m in msgs if m["kind"] == "progress"]
            self.assertGreater(len(progress), 0, rank)
            self.assertEqual(sum(len(p["losses"]) for p in progress), 20)
            self.assertEqual(msgs[-1], {"kind": "exit", "code": 0, "error": None})
        rest = launcher.rest()
        exits = sorted((m["rank"], m["code"]) for m in rest if m["kind"] == "rankExit")
        self.assertEqual(exits, [(0, 0), (1, 0)])
        self.assertEqual(rest[-1]["kind"], "exit")
        self.assertEqual(self.sink.wait()[0], 0)

    def test_a_failing_rank_ends_the_others(self) -> None:
        self.sink.start(os.path.join(SCRIPTS, "rankfails.py"), probe_args=["--nproc", "2"], connect=False)
        code, _, err = self.sink.wait(timeout=30)
        self.assertNotEqual(code, 0)
        self.assertIn("RuntimeError: rank 1 gives up", err)
        self.assertIn("rank 1 failed (status 1); ending the other ranks", err)


if __name__ == "__main__":
    unittest.main()
