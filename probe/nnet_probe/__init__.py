"""nnet's probe: runs a PyTorch training script and reports its modules' forward/backward passes to nnet's debugger.

Run it as ``python -m nnet_probe [--nproc N] [--connect HOST:PORT] script.py args…``. Standard library and torch only.
"""
