// Structured logging: one JSON object per line on stderr, written whole under a lock.
// Must never log message text unless the caller was told to (config log.text).
#pragma once

#include <string_view>

namespace xinyu::core {

/// Writes `json_line` plus a newline to stderr atomically with respect to other log lines.
void log_line(std::string_view json_line);

} // namespace xinyu::core
