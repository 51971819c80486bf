// The typed interface of a session: one actor per user that owns the turn counter, the bounded
// queue of admitted turns, the client sinks and the turn in flight. Never sockets.
#pragma once

#include "actors/llm_pool.hpp"
#include "actors/local_message_types.hpp"
#include "actors/stage_pools.hpp"
#include "actors/storage_actor.hpp"
#include "core/analysis/conversation_risk.hpp"
#include "core/policy/care_notices.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace xinyu::core {
struct config;
class prompt_builder;
struct service_state;
} // namespace xinyu::core

namespace xinyu::actors {

/// The worker pools a session fans out to.
struct stage_pools {
  emotion_actor emotion;
  safety_actor safety;
  memory_actor memory;
  llm_pool_actor llm;
  storage_actor storage; // null: in-memory only (no load, no `persisted`)
  safety_actor guard;    // null: no external guard model (safety.guard.base_url empty)
};

/// Which deadline of the turn in flight fired (`timeout_atom`).
enum class deadline_kind : std::uint8_t { first_token, stall, total, memory_wait };

/// What a session needs from the actor that owns it (the gateway).
using session_owner_actor = persist_listener_actor::extend<
  // a crashed session hands its connections over: (user, sinks, the dead session)
  caf::reacts_to<handover_atom, std::string, sink_list, caf::actor_addr>,
  // may an idle session that has seen `routed` messages stop? (then it is forgotten)
  caf::replies_to<idle_atom, std::uint64_t>::with<bool>>;

using session_actor = llm_listener_actor::extend_with<persist_listener_actor>::extend<
  // a connection subscribes: it gets `ready` (and the disclosure)
  caf::reacts_to<attach_atom, client_sink_ptr>,
  // a connection of a crashed predecessor: subscribed without a new `ready`
  caf::reacts_to<handover_atom, client_sink_ptr>, caf::reacts_to<detach_atom, client_sink_ptr>,
  // a command from `origin`; true = it reached a live session (an error: it never did)
  caf::replies_to<command_atom, client_sink_ptr, core::client_command>::with<bool>,
  // storage wrote (chat id, reply turn), through the gateway; true = the frame went out
  caf::replies_to<persisted_atom, std::string, std::uint64_t>::with<bool>,
  // internal: load retry, idle check, the deadlines of the turn in flight
  caf::reacts_to<load_atom>, caf::reacts_to<idle_atom>,
  caf::reacts_to<timeout_atom, std::uint64_t, deadline_kind>>;

struct session_settings {
  std::size_t max_queued_turns = 8;
  std::size_t recent_messages = 8;
  std::size_t keep_turns = 50;
  std::chrono::milliseconds emotion_deadline{200};
  std::chrono::milliseconds safety_deadline{200};
  std::chrono::milliseconds memory_deadline{200};
  std::chrono::milliseconds guard_deadline{300};
  std::chrono::milliseconds llm_start_deadline{1000};
  std::chrono::milliseconds first_token_deadline{10000};
  std::chrono::milliseconds stall_deadline{10000};
  std::chrono::milliseconds total_deadline{120000};
  std::chrono::milliseconds bookkeeping_deadline{5000}; // remember/forget/unload, idle check
  unsigned max_tokens = 512;
  std::string server_name = "xinyu";
  core::care_settings care;         // disclosure and break reminders
  double chats_per_minute = 30;     // per user, refilled continuously
  double chat_burst = 10;           // chats allowed at once
  double commands_per_minute = 120; // history/forget/resume/cancel
  double command_burst = 20;
  std::size_t max_known_facts = 512; // facts remembered as already told, per session
  std::map<std::string, std::vector<std::string>> crisis_resources;
  core::conversation_risk_settings risk; // conversation-level escalation (safety.risk_*)
  std::shared_ptr<const core::prompt_builder> prompt;
  std::shared_ptr<core::service_state> svc; // shedding and draining flags (may be null)
  std::chrono::seconds idle{300};
  std::chrono::milliseconds load_timeout{5000};
  unsigned retry_after_ms = 1000;
  bool log_turns = false; // one JSON line per turn
  bool log_text = false;  // with the text (privacy: off by default)
};

std::shared_ptr<const session_settings>
make_session_settings(const core::config& cfg, std::shared_ptr<core::service_state> svc = nullptr);

/// With storage, a session loads its turn counter before it admits a chat, and when idle
/// (no connection, no work) for `settings.idle` asks its owner whether it may stop.
session_actor spawn_session(caf::actor_system& sys, std::string user, stage_pools pools,
                            std::shared_ptr<const session_settings> settings,
                            session_owner_actor owner = {});

} // namespace xinyu::actors
