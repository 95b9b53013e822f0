"""Tests of nnet's probe; `python -m unittest discover -s probe/tests -t .` from the repository root."""

import os
import sys

# The package under test, importable however the tests are started.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
