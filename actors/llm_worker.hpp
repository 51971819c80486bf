// LLM stream workers: each runs many concurrent replies, pacing tokens with CAF timers and
// sending them straight to the requesting session. Must never block a scheduler thread.
#pragma once

#include <caf/fwd.hpp>

#include <memory>

namespace xinyu::core {
struct config;
struct service_state;
} // namespace xinyu::core

namespace xinyu::llm {
class upstream_client;
struct upstream_config;
} // namespace xinyu::llm

namespace xinyu::actors {

/// Pool answering `(work_atom, llm_start) -> caf::actor` (the worker now streaming); the worker
/// then sends `(token_atom, stream_id, text)`... and one `(end_atom, stream_id, finish)`.
/// `(cancel_atom, stream_id)` sent to that worker stops the stream.
/// With `upstream` the workers stream from OpenAI-compatible endpoints; without it they run
/// the offline provider.
caf::actor spawn_llm_pool(caf::actor_system& sys, const core::config& cfg,
                          std::shared_ptr<llm::upstream_client> upstream = nullptr,
                          std::shared_ptr<core::service_state> svc = nullptr);

/// The upstream client settings named by `cfg.llm`.
llm::upstream_config make_upstream_config(const core::config& cfg);

} // namespace xinyu::actors
