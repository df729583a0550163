#pragma once
// What a benchmark process reports about itself: time since it started and its peak RSS.

namespace bench {

// Milliseconds from the exec of this process to now: under bench/e2e/launch.py, from the
// clock it read just before the exec (microsecond resolution); otherwise from the kernel's
// start time of this process (/proc/self/stat, field 22). Unlike a clock read in main() or in a static
// initializer, this counts exec, the dynamic loader and every library's static initializers (large for
// LibTorch), and Python measures the same way (bench/e2e/torch_common.py). Resolution: one clock tick (10 ms
// at USER_HZ 100); the kernel rounds the start down, so the figure is at most one tick high.
double ms_since_process_start();

// Peak resident set size of this process so far, in MiB (getrusage ru_maxrss).
double peak_rss_mb();

}  // namespace bench
