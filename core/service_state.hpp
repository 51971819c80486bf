// Process-wide service flags shared by transport and actors: readiness, draining, the storage
// queue depth used for load shedding, and failure-injection knobs. Atomics only; never blocks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace xinyu::core {

struct service_state {
  std::atomic<bool> draining{false};       // shutting down: refuse new chats, /readyz 503
  std::atomic<bool> storage_ok{true};      // last storage write succeeded
  std::atomic<std::size_t> storage_queue{0}; // turns waiting to be written
  std::size_t storage_high_water = 5000;   // shed new chats at or above this
  unsigned retry_after_ms = 1000;          // advised to shed clients

  // failure injection (off by default)
  std::atomic<double> storage_fail_rate{0.0};

  bool ready() const noexcept { return !draining.load() && storage_ok.load(); }
  bool shedding() const noexcept {
    return draining.load() || storage_queue.load() >= storage_high_water;
  }
};

} // namespace xinyu::core
