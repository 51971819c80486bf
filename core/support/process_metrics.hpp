// The process_* families every Prometheus client exports (CPU seconds, resident and virtual
// memory, open and maximum fds, start time), read from the kernel on each scrape.
// Must never be called on a hot path: it reads /proc.
#pragma once

#include <string>

namespace xinyu::core {

/// Appends process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds, process_max_fds and
/// process_start_time_seconds (HELP, TYPE and one sample each) to `out`.
void append_process_metrics(std::string& out);

} // namespace xinyu::core
