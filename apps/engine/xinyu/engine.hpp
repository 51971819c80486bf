// xinyu as a library: start the engine in-process (config in, a handle out), open user sessions
// and exchange protocol-v1 frames through a callback, without the network transport. Must never
// expose CAF, Beast, RocksDB or any other dependency's types.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace xinyu {

/// How to start an engine. The configuration keys are the server's (docs/configuration.md);
/// server.* and transport.* keys are accepted but unused (there is no listener).
struct engine_options {
  std::string config_json;       // a JSON document over the defaults; "" = the defaults
  bool read_environment = false; // also apply XINYU_* environment variables (as the server does)
};

/// Receives the server frames of one session (docs/protocol.md), each a complete JSON text.
/// Called one frame at a time per session and in protocol order, on the engine's threads (the
/// immediate replies to send(): `pong` and `error` for a malformed frame, on the caller's
/// thread). It must return quickly; it may call send() on its session, but must not destroy
/// its session, open sessions or stop the engine from inside the call.
using frame_callback = std::function<void(std::string_view frame)>;

class engine;

/// One connection of one user, as a WebSocket connection is: it receives everything the
/// user's session sends to its connections (`ready` first), and the replies to its own
/// commands. Closing it (destruction) is a disconnect, not a cancel.
class user_session {
public:
  ~user_session();
  user_session(const user_session&) = delete;
  user_session& operator=(const user_session&) = delete;

  /// Sends one client frame (`chat`, `cancel`, `history`, `resume`, `forget`, `ping`,
  /// `emergency_contact`, as JSON text). Malformed frames are answered with an `error` frame
  /// through the callback, exactly as on a WebSocket. Thread-safe, never blocks on the
  /// network; after the engine stopped it does nothing.
  void send(std::string_view frame_json);

  /// Convenience for `{"type":"chat","id":id,"text":text}`.
  void chat(std::string_view id, std::string_view text);

  const std::string& user() const;

private:
  friend class engine;
  struct impl;
  explicit user_session(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

class engine {
public:
  /// Starts the actor runtime, storage and providers. On failure returns null and sets `error`
  /// to one sentence (a bad key, storage that cannot be opened, a missing API key...).
  static std::unique_ptr<engine> start(const engine_options& options, std::string& error);

  /// Drains (admitted turns finish and are stored, within shutdown.drain_s) and stops.
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Opens a session for `user` (1..limits.max_user_bytes of printable UTF-8, no ':'): null
  /// with `error` for an invalid id or an engine that is stopping. The caller trusts `user`:
  /// authentication is the embedding platform's job.
  std::unique_ptr<user_session> open(std::string_view user, frame_callback on_frame,
                                     std::string& error);

  /// Drains and stops now (the destructor does it otherwise). Idempotent.
  void stop();

private:
  struct impl;
  explicit engine(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

} // namespace xinyu
