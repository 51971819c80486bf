// The message types that only ever travel inside one process and cannot be inspected: a
// connection's sink (a pointer into transport), the client command variant and deferred
// replies. Must never grow a type that could be plain data (give that an inspect() instead).
#pragma once

#include "actors/client_sink.hpp"
#include "core/protocol/client_frame.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace xinyu::actors {

/// Connections handed over from a crashed session to its successor.
using sink_list = std::vector<client_sink_ptr>;

/// A reply computed now and delivered later (injected delay): run by the worker that made it.
using deferred_fn = std::shared_ptr<std::function<void()>>;

} // namespace xinyu::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::actors::client_sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::actors::sink_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::actors::deferred_fn)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(
  xinyu::core::client_command) // std::variant: CAF 0.17 cannot inspect it
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(xinyu::core::operator_command) // std::variant too
