#!/usr/bin/env bash
# keel against keel: the step workloads and one Fashion-MNIST epoch of two builds of the bench
# programs (e.g. before and after a refactor), alternated in separate processes so that a noisy
# moment hits both, at 1 and 2 threads. Prints the medians and new/old ratios (above 1: the new
# build is faster). Build each tree's programs first:
#   cmake --preset bench && cmake --build --preset bench --target keel_steps keel_epoch
# Usage: bench/compare_builds.sh OLD_TREE NEW_TREE [REPEATS]
#   (each TREE is a checkout whose build/bench/bench/ holds keel_steps and keel_epoch)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OLD_TREE NEW_TREE [REPEATS]" >&2; exit 2; }
old="$1/build/bench/bench"
new="$2/build/bench/bench"
repeats="${3:-5}"
for b in "$old" "$new"; do
  for p in keel_steps keel_epoch; do
    [ -x "$b/$p" ] || { echo "error: $b/$p is not built" >&2; exit 1; }
  done
done
results=$(mktemp)
trap 'rm -f "$results"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "load $(cut -d' ' -f1-3 /proc/loadavg)"
for threads in 1 2; do
  for ((r = 0; r < repeats; ++r)); do
    for tag in old new; do
      dir=$old; [ "$tag" = new ] && dir=$new
      "$dir/keel_steps" all "$threads" --json | sed "s/^{/{\"build\": \"$tag\", /" >>"$results"
    done
  done
  for seed in 0 1 2; do
    for tag in old new; do
      dir=$old; [ "$tag" = new ] && dir=$new
      "$dir/keel_epoch" "$threads" --seed "$seed" | sed "s/^{/{\"build\": \"$tag\", /" >>"$results"
    done
  done
done
/usr/bin/python3 - "$results" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def key(r):
    return (r.get("workload") or "fashion_epoch", r["threads"])
groups = {}
for r in rows:
    t = r.get("step_s") or r.get("epoch_s")
    groups.setdefault(key(r), {}).setdefault(r["build"], []).append(t)
print("| workload | threads | old (median) | new (median) | new speed / old |")
print("|---|---|---|---|---|")
for (w, th), g in groups.items():
    o, n = statistics.median(g["old"]), statistics.median(g["new"])
    unit = lambda s: f"{s * 1e3:.3f} ms" if s < 1 else f"{s:.3f} s"
    print(f"| {w} | {th} | {unit(o)} | {unit(n)} | {o / n:.3f} |")
EOF
