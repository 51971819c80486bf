// Applies injected faults (crash, hang, delay) to one worker reply. Included by worker
// implementations only; must never be used on a path that has no deadline upstream.
#pragma once

#include "actors/atoms.hpp"
#include "actors/local_message_types.hpp"
#include "core/support/service_state.hpp"

#include <caf/expected.hpp>
#include <caf/result.hpp>
#include <caf/typed_response_promise.hpp>

#include <functional>
#include <memory>
#include <stdexcept>

namespace xinyu::actors {

namespace detail {
template <class T>
caf::result<T> as_result(T v) {
  return v;
}
template <class T>
caf::result<T> as_result(caf::expected<T> v) {
  if (v)
    return std::move(*v);
  return std::move(v.error());
}
template <class T>
void deliver(caf::typed_response_promise<T>& rp, T v) {
  rp.deliver(std::move(v));
}
template <class T>
void deliver(caf::typed_response_promise<T>& rp, caf::expected<T> v) {
  if (v)
    rp.deliver(std::move(*v));
  else
    rp.deliver(std::move(v.error()));
}
} // namespace detail

/// Answers with `compute()` (a T, or a caf::expected<T> whose error goes to the caller) unless
/// chaos says to crash (throw), hang (never answer) or delay (answer later through
/// `(tick_atom, deferred_fn)`, which the worker's interface must have: see chaos_worker).
template <class T, class Self, class F>
caf::result<T> chaos_reply(Self* self, core::service_state* svc, core::chaos_kind kind, F compute) {
  auto a = svc ? svc->chaos.decide(kind) : core::chaos_action{};
  if (a.crash)
    throw std::runtime_error("chaos: injected crash");
  if (a.hang)
    return self
      ->template make_response_promise<T>(); // never delivered: the caller's deadline fires
  if (a.delay_ms == 0)
    return detail::as_result<T>(compute());
  auto rp = self->template make_response_promise<T>();
  auto fn = std::make_shared<std::function<void()>>(
    [rp, v = compute()]() mutable { detail::deliver<T>(rp, std::move(v)); });
  self->delayed_send(self, std::chrono::milliseconds{a.delay_ms}, tick_atom::value, fn);
  return rp;
}

/// The interface of a worker of `Pool` that can delay its replies under chaos.
template <class Pool>
using chaos_worker = typename Pool::template extend<caf::reacts_to<tick_atom, deferred_fn>>;

/// The handler every chaos-aware worker adds for delayed replies.
inline auto deferred_handler() {
  return [](tick_atom, deferred_fn& f) { (*f)(); };
}

} // namespace xinyu::actors
