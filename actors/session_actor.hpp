// The typed interface of a session: one actor per user that owns the turn counter, the bounded
// queue of admitted turns, the client sinks and the turn in flight. Never sockets.
#pragma once

#include "actors/fwd.hpp"
#include "actors/escalation_actor.hpp"
#include "actors/lease_actor.hpp"
#include "actors/llm_pool.hpp"
#include "actors/local_message_types.hpp"
#include "actors/stage_pools.hpp"
#include "actors/storage_actor.hpp"
#include "core/policy/care_notices.hpp"
#include "core/support/config.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace xinyu::core {
class prompt_builder;
struct service_state;
} // namespace xinyu::core

namespace xinyu::actors {

class cluster_router;

/// The worker pools a session fans out to.
struct stage_pools {
  emotion_actor emotion;
  safety_actor safety;
  memory_actor memory;
  llm_pool_actor llm;
  storage_actor storage;       // null: in-memory only (no load, no `persisted`)
  safety_actor guard;          // null: no external guard model (safety.guard.base_url empty)
  escalation_actor escalation; // null: no escalation webhook (care.escalation_url empty)
  escalation_backlog escalation_queued; // with `escalation`: events queued at it
  lease_actor lease; // null: a single node (cluster.redis empty: no ownership leases)
};

/// Which deadline of the session's work came due (kept in its deadline table, behind one timer:
/// actors/session/deadlines.cpp). The stage and LLM-start deadlines are the requests' own.
enum class deadline_kind : std::uint8_t {
  first_token,
  stall,
  total,
  memory_wait,
  human,
  summary,
  stage_emotion,
  stage_safety,
  stage_memory,
  stage_guard,
  llm_start,
};

/// What a session needs from the actor that owns it (the gateway).
using session_owner_actor = persist_listener_actor::extend<
  // a crashed session hands its connections over: (user, sinks, the dead session)
  caf::reacts_to<handover_atom, std::string, sink_list, caf::actor_addr>,
  // may an idle session that has seen `routed` messages stop? (then it is forgotten)
  caf::replies_to<idle_atom, std::uint64_t>::with<bool>,
  // a crisis was seen: the alert frame for the operators, the body for the escalation webhook
  caf::reacts_to<alert_atom, std::string, std::string>>;

using session_actor = llm_listener_actor::extend_with<persist_listener_actor>::
  extend_with<lease_listener_actor>::extend<
    // a connection subscribes: it gets `ready` (and the disclosure)
    caf::reacts_to<attach_atom, client_sink_ptr>,
    // a connection of a crashed predecessor: subscribed without a new `ready`
    caf::reacts_to<handover_atom, client_sink_ptr>, caf::reacts_to<detach_atom, client_sink_ptr>,
    // a command from `origin`; true = it reached a live session (an error: it never did)
    caf::replies_to<command_atom, client_sink_ptr, core::client_command>::with<bool>,
    // storage wrote (chat id, reply turn), through the gateway; true = the frame went out
    caf::replies_to<persisted_atom, std::string, std::uint64_t>::with<bool>,
    // the user is a minor: the minors policy from now on
    caf::reacts_to<minor_atom>,
    // an operator takes the conversation over (true) or hands it back (false)
    caf::reacts_to<handoff_atom, bool, client_sink_ptr>,
    // the operator's reply to the chat `id`
    caf::reacts_to<reply_atom, std::string, std::string, client_sink_ptr>,
    // internal: load retry, idle check, the one wake-up of the deadline table (armed for this
    // steady-clock time, in nanoseconds)
    caf::reacts_to<load_atom>, caf::reacts_to<idle_atom>,
    caf::reacts_to<timeout_atom, std::int64_t>,
    // internal (cluster mode): the deadline of a chat forwarded to the owner node
    caf::reacts_to<timeout_atom, client_sink_ptr, std::string>>;

/// What every session of this server runs with: the configuration itself (every deadline,
/// bound and text is read from it where it is used) and what is built from it once.
struct session_settings {
  core::config config;
  core::care_settings care; // care_settings_of(config.care); tests shorten its intervals
  std::shared_ptr<const core::prompt_builder> prompt;
  std::shared_ptr<core::service_state> svc; // shedding and draining flags (may be null)
  std::string contact_key; // the decoded care.contact_key (empty: emergency contacts off)
  std::shared_ptr<cluster_router> router; // cluster mode: forwarding to the owner node
};

std::shared_ptr<const session_settings>
make_session_settings(const core::config& cfg, std::shared_ptr<core::service_state> svc = nullptr,
                      std::shared_ptr<cluster_router> router = nullptr);

/// With storage, a session loads its turn counter before it admits a chat, and when idle
/// (no connection, no work) for session.idle_s asks its owner whether it may stop.
session_actor spawn_session(caf::actor_system& sys, std::string user, stage_pools pools,
                            std::shared_ptr<const session_settings> settings,
                            session_owner_actor owner = {});

} // namespace xinyu::actors
