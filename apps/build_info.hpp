// What build is running, as Prometheus sees it: xinyu_build_info{version,commit} and the
// process_* families. Must never hold anything but start-up registration.
#pragma once

namespace xinyu::apps {

/// Registers xinyu_build_info (value 1) and the process_* collector with core::metrics().
void register_build_metrics();

} // namespace xinyu::apps
