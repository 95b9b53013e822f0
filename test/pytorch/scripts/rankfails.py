"""Rank 1 fails at once; rank 0 would sleep for a minute: the --nproc launcher must end rank 0 and fail."""

import os
import time

if os.environ.get("RANK") == "1":
    raise RuntimeError("rank 1 gives up")
time.sleep(60)
