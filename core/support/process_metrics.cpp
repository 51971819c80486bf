// The process_* families read from getrusage, getrlimit and /proc/self on each scrape.
// Must never be called on a hot path: it reads /proc.
#include "core/support/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace xinyu::core {

namespace {

void family(std::string& out, const char* name, const char* type, const char* help, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += std::string{"# HELP "} + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name
         + " " + buf + "\n";
}

/// Seconds since the epoch at which this process started: /proc/self/stat's start time (clock
/// ticks after boot) plus the boot time in /proc/stat.
double start_time_seconds() {
  std::ifstream stat{"/proc/self/stat"};
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')'); // the command name may hold spaces and parentheses
  if (close == std::string::npos)
    return 0;
  std::istringstream fields{line.substr(close + 2)};
  std::string f;
  unsigned long long start_ticks = 0;
  for (int i = 3; i <= 22 && fields >> f; ++i)
    if (i == 22)
      start_ticks = std::stoull(f);
  std::ifstream sys{"/proc/stat"};
  unsigned long long btime = 0;
  while (std::getline(sys, line))
    if (line.rfind("btime ", 0) == 0)
      btime = std::stoull(line.substr(6));
  auto ticks = sysconf(_SC_CLK_TCK);
  return static_cast<double>(btime)
         + static_cast<double>(start_ticks) / static_cast<double>(ticks > 0 ? ticks : 100);
}

} // namespace

void append_process_metrics(std::string& out) {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
               + static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  family(out, "process_cpu_seconds_total", "counter",
         "Total user and system CPU time spent in seconds.", cpu);

  unsigned long long vm_pages = 0, rss_pages = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%llu %llu", &vm_pages, &rss_pages) != 2)
      vm_pages = rss_pages = 0;
    std::fclose(f);
  }
  auto page = static_cast<double>(sysconf(_SC_PAGESIZE));
  family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
         static_cast<double>(rss_pages) * page);
  family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
         static_cast<double>(vm_pages) * page);

  std::error_code ec;
  std::size_t fds = 0;
  for (std::filesystem::directory_iterator it{"/proc/self/fd", ec}, end; !ec && it != end;
       it.increment(ec))
    ++fds;
  family(out, "process_open_fds", "gauge", "Number of open file descriptors.",
         static_cast<double>(fds));
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
         static_cast<double>(lim.rlim_cur));

  static const double started = start_time_seconds();
  family(out, "process_start_time_seconds", "gauge",
         "Start time of the process since unix epoch in seconds.", started);
}

} // namespace xinyu::core
