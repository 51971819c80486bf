// The typed interfaces of LLM streaming: the pool that starts a reply, the stream that can be
// cancelled and the listener that receives tokens. Must never name a provider's types.
#pragma once

#include "actors/fwd.hpp"
#include "actors/atoms.hpp"
#include "actors/messages.hpp"
#include "actors/pool_actor.hpp"
#include "core/policy/finish_reason.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace xinyu::core {
struct config;
struct service_state;
} // namespace xinyu::core

namespace xinyu::llm {
class provider;
} // namespace xinyu::llm

namespace xinyu::actors {

/// Who receives a stream: `(token_atom, stream_id, text)`... then exactly one
/// `(end_atom, stream_id, finish)`. Between them `(retry_atom, stream_id)` says the upstream
/// stream broke after some text and the next endpoint was asked to continue the reply: the
/// tokens that follow extend it (the reply is degraded; its next token may take a first
/// token's time).
using llm_listener_actor =
  caf::typed_actor<caf::reacts_to<token_atom, std::uint64_t, std::string>,
                   caf::reacts_to<retry_atom, std::uint64_t>,
                   caf::reacts_to<end_atom, std::uint64_t, core::finish_reason>>;

/// A running stream: `(cancel_atom, stream_id)` stops it (no `end` follows a cancel).
using llm_stream_actor = caf::typed_actor<caf::reacts_to<cancel_atom, std::uint64_t>>;

/// Starts one streamed reply; tokens go to `reply_to` tagged `stream_id`.
struct llm_start {
  std::uint64_t stream_id = 0;
  llm_listener_actor reply_to;
  llm::llm_request request;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, llm_start& x) {
  return f(caf::meta::type_name("llm_start"), x.stream_id, x.reply_to, x.request);
}

/// `(work_atom, llm_start) -> llm_stream_actor` (the worker now streaming).
using llm_pool_actor = pool_actor<op<llm_start, llm_stream_actor>>;

/// With `provider` the workers stream from it (OpenAI-compatible endpoints); without it they
/// run the offline provider with paced tokens.
llm_pool_actor spawn_llm_pool(caf::actor_system& sys, const core::config& cfg,
                              std::shared_ptr<llm::provider> provider = nullptr,
                              std::shared_ptr<core::service_state> svc = nullptr);

} // namespace xinyu::actors
