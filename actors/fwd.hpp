// Forward declarations of the actor layer's types, for headers that only name them.
// Must never include a CAF header beyond <caf/fwd.hpp> or define anything.
#pragma once

#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>

namespace xinyu {
enum class ec : std::uint8_t;
} // namespace xinyu

namespace xinyu::actors {

// messages (actors/messages.hpp, actors/llm_pool.hpp)
struct stage_request;
struct recall_request;
struct remember_request;
struct forget_memories_request;
struct seed_request;
struct unload_request;
struct history_page;
struct llm_start;

// connections (actors/client_sink.hpp, actors/gateway_api.hpp)
class client_sink;
using client_sink_ptr = std::shared_ptr<client_sink>;
class gateway_api;
using gateway_api_ptr = std::shared_ptr<gateway_api>;

// wiring (actors/session_actor.hpp, actors/worker_pool.hpp, actors/runtime.hpp)
struct stage_pools;
struct session_settings;
struct pool_settings;
struct runtime;

} // namespace xinyu::actors
