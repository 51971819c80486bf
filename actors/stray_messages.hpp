// How long-lived xinyu actors treat messages nobody asked for: dropped and counted, never fatal.
// Must never swallow a request silently (CAF still answers it with an error).
#pragma once

#include "core/metrics.hpp"

#include <caf/delegated.hpp>
#include <caf/error.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/scheduled_actor.hpp>

namespace xinyu::actors {

/// CAF 0.17 defaults kill an actor for a stray message twice over: `reflect_and_quit` for an
/// unknown message, and `quit(err)` for an `error` that arrives as a plain message. The second
/// one bites because 0.17 sends a handler's return value for an async `send` back to the
/// sender: A sends X, B answers `bool`, A drops the `bool` with `unexpected_message`, and that
/// error comes back to B as a plain message. Both are dropped here and counted per actor kind.
template <class Self>
void tolerate_stray_messages(Self* self, const char* kind) {
  auto& stray = core::metrics().get_counter(
    "xinyu_stray_messages_total", "unexpected messages dropped, by actor kind",
    std::string{"actor=\""} + kind + "\"");
  self->set_default_handler([&stray](caf::scheduled_actor* me, caf::message_view&)
                              -> caf::result<caf::message> {
    stray.inc();
    auto* cur = me->current_mailbox_element();
    if (cur && cur->mid.is_request())
      return caf::sec::unexpected_message; // a request still gets its error
    return caf::delegated<caf::message>{}; // an async message gets no answer at all
  });
  self->set_error_handler([&stray](caf::error&) { stray.inc(); });
}

} // namespace xinyu::actors
