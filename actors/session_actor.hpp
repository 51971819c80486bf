// One actor per user: owns the turn counter, the bounded queue of admitted turns, the client
// sinks and the turn in flight; fans out to the stage pools and streams the reply. Never sockets.
#pragma once

#include "core/conversation_risk.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

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
  caf::actor emotion;
  caf::actor safety;
  caf::actor memory;
  caf::actor llm;
  caf::actor storage; // null: in-memory only (no load, no `persisted`)
  caf::actor guard;   // null: no external guard model (safety.guard.base_url empty)
};

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
  unsigned max_tokens = 512;
  std::string server_name = "xinyu";
  bool disclosure = true;
  std::chrono::milliseconds disclosure_interval{3600000}; // repeat it after this much use; 0 = never
  std::chrono::milliseconds break_after{7200000};         // break_reminder after this much use; 0 = off
  std::chrono::milliseconds break_reset{900000};          // a pause this long starts use afresh
  double chats_per_minute = 30;                           // per user, refilled continuously
  double chat_burst = 10;                                 // chats allowed at once
  double commands_per_minute = 120;                       // history/forget/resume/cancel
  double command_burst = 20;
  std::map<std::string, std::vector<std::string>> crisis_resources;
  core::conversation_risk_settings risk; // conversation-level escalation (safety.risk_*)
  std::shared_ptr<const core::prompt_builder> prompt;
  std::shared_ptr<core::service_state> svc; // shedding and draining flags (may be null)
  std::chrono::seconds idle{300};
  std::chrono::milliseconds load_timeout{5000};
  unsigned retry_after_ms = 1000;
  bool log_turns = false; // one JSON line per turn on stderr
  bool log_text = false;  // with the text (privacy: off by default)
};

std::shared_ptr<const session_settings> make_session_settings(
  const core::config& cfg, std::shared_ptr<core::service_state> svc = nullptr);

/// Messages a session understands (all sent by the gateway):
///   (attach_atom, client_sink_ptr)   subscribe a connection; it gets `ready` (+ disclosure)
///   (detach_atom, client_sink_ptr)   unsubscribe
///   (command_atom, client_sink_ptr origin, core::client_command)
/// With storage, a session loads its turn counter before it admits a chat, and when idle
/// (no connection, no work) for `settings.idle` asks `gateway` with (idle_atom, routed count)
/// whether it may stop; it stops when the gateway answers true.
caf::actor spawn_session(caf::actor_system& sys, std::string user, stage_pools pools,
                         std::shared_ptr<const session_settings> settings,
                         caf::actor gateway = {});

} // namespace xinyu::actors
