#!/usr/bin/env bash
# Runs a 2-rank job whose rank 1 fails and checks that it ends in bounded time, non-zero, with
# output naming rank 1.  Usage: expect_fault.sh SECONDS COMMAND...
set -u
limit=$1
shift
start=$SECONDS
out=$(timeout --kill-after=5 "$limit" "$@" 2>&1)
rc=$?
printf '%s\n' "$out"
# By the clock, not the exit code: mpirun itself exits 137 (128 + SIGKILL) when a rank was killed.
if [ $((SECONDS - start)) -ge "$limit" ]; then
  echo "expect_fault: the job was still running after ${limit}s (a hang)" >&2
  exit 1
fi
if [ "$rc" -eq 0 ]; then
  echo "expect_fault: the job exited 0 although rank 1 failed" >&2
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eiq 'rank 1\b'; then
  echo "expect_fault: the output does not name rank 1" >&2
  exit 1
fi
echo "expect_fault: the job ended with exit code $rc and named rank 1"
