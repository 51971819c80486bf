// What transport may ask of the actor layer: attach or detach a connection of a user, and hand
// over a parsed client command. Must never expose CAF, storage or LLM types.
#pragma once

#include "actors/client_sink.hpp"
#include "core/policy/care_report.hpp"
#include "core/protocol/client_frame.hpp"

#include <memory>
#include <string>

namespace xinyu::actors {

/// Thread-safe and non-blocking: each call queues one message for the gateway actor.
class gateway_api {
public:
  virtual ~gateway_api() = default;
  /// Subscribes `sink` to `user`'s session; it gets `ready` first.
  virtual void attach(const std::string& user, client_sink_ptr sink) = 0;
  virtual void detach(const std::string& user, client_sink_ptr sink) = 0;
  /// Like attach, without `ready`: a connection of another node (cluster mode) that had its
  /// `ready` there gets this user's frames from now on.
  virtual void subscribe(const std::string& user, client_sink_ptr sink) = 0;
  /// The user is a minor (token claim age_band): their session applies the minors policy from
  /// now on (docs/crisis-protocol.md). Call it before attach / command.
  virtual void mark_minor(const std::string& user) = 0;
  /// Runs `cmd` for `user`; its frames (or an `error`) go to `origin` and the user's sinks.
  virtual void command(const std::string& user, client_sink_ptr origin,
                       core::client_command cmd) = 0;
  /// The duty-of-care report for `q` (an admin request): one frame to `origin`, either
  /// {"type":"report","content_type":..,"body":..} or an `error` frame.
  virtual void care_report(core::care_report_query q, client_sink_ptr origin) = 0;
  /// An operator connection (token role "operator") named `name`: it gets `ready`, then
  /// crisis alerts and the chats of users it takes over.
  virtual void operator_attach(const std::string& name, client_sink_ptr sink) = 0;
  /// The operator left: every user it had taken over goes back to the AI.
  virtual void operator_detach(client_sink_ptr sink) = 0;
  virtual void operator_command(client_sink_ptr sink, core::operator_command cmd) = 0;
};

using gateway_api_ptr = std::shared_ptr<gateway_api>;

} // namespace xinyu::actors
