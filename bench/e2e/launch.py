#!/usr/bin/python3
"""launch.py PROGRAM ARGS...: runs PROGRAM in place of this process (exec) with
KEEL_BENCH_LAUNCH_NS set to the realtime clock just before the exec, so that the program's
start-up figure (bench/common/process.cpp, bench/e2e/torch_common.py) is measured from the
exec to the microsecond instead of from the kernel's start time, which has 10 ms ticks."""
import os
import sys
import time

if len(sys.argv) < 2:
    sys.exit("usage: launch.py PROGRAM [ARGS...]")
os.environ["KEEL_BENCH_LAUNCH_NS"] = str(time.time_ns())
os.execv(sys.argv[1], sys.argv[1:])
