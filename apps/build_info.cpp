// Registers the build-info gauge (version and the commit CMake read from git) and the process_*
// collector. Must never be included elsewhere: it alone is recompiled when the commit changes.
#include "apps/build_info.hpp"

#include "core/support/metrics.hpp"
#include "core/support/process_metrics.hpp"

namespace xinyu::apps {

void register_build_metrics() {
  auto& reg = core::metrics();
  reg
    .get_gauge("xinyu_build_info", "1, labelled with the running build's version and commit",
               core::metric_labels({{"version", XINYU_VERSION}, {"commit", XINYU_COMMIT}}))
    .set(1);
  reg.add_collector(&core::append_process_metrics);
}

} // namespace xinyu::apps
