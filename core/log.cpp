// Structured logging: one JSON object per line on stderr, written whole under a lock.
// Must never log message text unless the caller was told to.
#include "core/log.hpp"

#include <cstdio>
#include <mutex>

namespace xinyu::core {

void log_line(std::string_view line) {
  static std::mutex mtx;
  std::lock_guard lock{mtx};
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

} // namespace xinyu::core
