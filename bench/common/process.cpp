#include "common/process.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace bench {

double ms_since_process_start() {
  if (const char* launch = std::getenv("KEEL_BENCH_LAUNCH_NS")) {  // bench/e2e/launch.py
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    const double now_ns = static_cast<double>(now.tv_sec) * 1e9 + static_cast<double>(now.tv_nsec);
    return (now_ns - std::strtod(launch, nullptr)) / 1e6;
  }
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 2, the command name, is in parentheses and may hold spaces: count from the last ')'.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i < 22; ++i) rest >> field;
  unsigned long long start_ticks = 0;
  rest >> start_ticks;
  // The start time counts from boot, suspend included: CLOCK_BOOTTIME's zero.
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  const double now_ms = static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
  return now_ms - static_cast<double>(start_ticks) * 1e3 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double peak_rss_mb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

}  // namespace bench
