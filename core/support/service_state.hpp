// Process-wide service flags shared by transport and actors: readiness, draining, the storage
// queue depth used for load shedding, and failure-injection knobs. Atomics only; never blocks.
#pragma once

#include "core/support/chaos.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace xinyu::core {

struct service_state {
  std::atomic<bool> draining{false};         // shutting down: refuse new chats, /readyz 503
  std::atomic<bool> storage_ok{true};        // last storage write succeeded
  std::atomic<bool> leases_ok{true};         // cluster mode: Redis answers lease requests
  std::atomic<std::size_t> storage_queue{0}; // turns waiting to be written
  std::size_t storage_high_water = 5000;     // shed new chats at or above this
  unsigned retry_after_ms = 1000;            // advised to shed clients

  std::atomic<std::size_t> inflight_turns{0}; // admitted and not yet done, all users
  // turns queued for storage whose `persisted` has not reached a session yet: a graceful
  // shutdown waits for it to drop to 0 so nobody misses the `persisted` of a written turn
  std::atomic<std::int64_t> persisted_unsent{0};
  std::size_t max_inflight_turns = 100000; // shed new chats at or above this

  // failure injection (off by default): per worker kind, set by config or /admin/chaos
  chaos_settings chaos;

  bool ready() const noexcept { return !draining.load() && storage_ok.load() && leases_ok.load(); }
  /// Why new chats are refused now (said to the client and on /readyz), or null.
  const char* shed_reason() const noexcept {
    if (draining.load())
      return "the server is shutting down";
    if (!leases_ok.load())
      return "the cluster's coordination service (Redis) is unreachable; re-send later";
    if (storage_queue.load() >= storage_high_water)
      return "the server is busy storing; re-send later";
    if (inflight_turns.load() >= max_inflight_turns)
      return "the server has too many replies in progress; re-send later";
    return nullptr;
  }
  bool shedding() const noexcept { return shed_reason() != nullptr; }
};

} // namespace xinyu::core
