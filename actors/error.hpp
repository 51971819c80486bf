// xinyu's one error enum between actors (`xinyu::ec`), as CAF errors of category "xinyu".
// Must never carry user text: an error's context is a short technical detail at most.
#pragma once

#include <caf/fwd.hpp>

#include <cstdint>
#include <string>

namespace xinyu {

enum class ec : std::uint8_t {
  pool_failed = 1,  // a worker pool exceeded its restart intensity and waits for a probe
  pool_busy,        // every worker of a pool has its bound of requests in flight
  embedding_failed, // a message could not be embedded (memory recall)
  guard_failed,     // the external guard model did not give a verdict
  storage_failed,   // the conversation store refused a read or write
  llm_failed,       // the LLM stream could not be started
};

/// The enum's name, e.g. "pool_busy".
const char* to_string(ec x) noexcept;

/// A CAF error of category "xinyu" with an optional technical detail (never user text).
caf::error make_error(ec x, std::string detail = {});

/// True when `e` is `x`.
bool is(const caf::error& e, ec x) noexcept;

/// Lets the actor system render "xinyu" errors (call once on the config before the system).
void register_error_category(caf::actor_system_config& cfg);

} // namespace xinyu
