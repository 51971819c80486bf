// LLM stream workers: each runs many concurrent replies, pacing tokens with CAF timers and
// sending them straight to the requesting session. Must never block a scheduler thread.
#pragma once

#include <caf/fwd.hpp>

namespace xinyu::core {
struct config;
}

namespace xinyu::actors {

/// Pool answering `(work_atom, llm_start) -> caf::actor` (the worker now streaming); the worker
/// then sends `(token_atom, stream_id, text)`... and one `(end_atom, stream_id, finish)`.
/// `(cancel_atom, stream_id)` sent to that worker stops the stream.
caf::actor spawn_llm_pool(caf::actor_system& sys, const core::config& cfg);

} // namespace xinyu::actors
