#!/usr/bin/python3
"""Regenerates every golden file: /usr/bin/python3 tests/golden/generate.py (Debian python3-torch)."""
import glob
import os
import runpy

HERE = os.path.dirname(os.path.abspath(__file__))
for path in sorted(glob.glob(os.path.join(HERE, "gen_*.py"))):
    runpy.run_path(path, run_name="__main__")
