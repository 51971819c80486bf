// One reply's token path: the provider's thread hands each piece straight here and the token
// frame goes to the connections from here, so a piece crosses one thread (to the connection's
// strand), not two (via the session). Must never block beyond its own short lock, never call
// into actors and never touch storage.
#pragma once

#include "actors/client_sink.hpp"
#include "core/policy/stop_sequences.hpp"

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace xinyu::core {
class counter;
class histogram;
} // namespace xinyu::core

namespace xinyu::actors {

class reply_relay {
public:
  using clock = std::chrono::steady_clock;

  struct options {
    std::string chat_id;
    std::vector<std::string> tokens; // pieces already sent (the crisis referral's preface)
    std::size_t preface = 0;         // how many of them are not the model's
    std::size_t limit = 0;           // the model's pieces allowed (max_tokens); 0 = none
    std::optional<core::stop_scanner> stops;
    std::vector<client_sink_ptr> sinks;
    clock::time_point accepted_at;        // TTFT is measured from here ...
    std::optional<double> ttft_ms;        // ... unless the preface already was the first piece
    core::counter* token_count = nullptr; // xinyu_tokens_total, per piece sent
    core::histogram* ttft = nullptr;      // observed on the model's first piece
  };

  /// What a piece did to the reply; `stop` and `length` end it (the caller tells the session).
  enum class verdict { more, stop, length, closed };

  explicit reply_relay(options o);

  /// The next piece from the model (any thread). Sends what can be shown as one token frame.
  verdict push(const std::string& text);

  /// The connections that receive the reply now (the session's set changed).
  void set_sinks(std::vector<client_sink_ptr> sinks);

  /// Sends the pieces from `seq` on to `to` (a `resume`), under the lock: nothing is skipped.
  void replay(const client_sink_ptr& to, std::size_t seq);

  /// The model sent nothing for a while is measured from here; a continuation resets it.
  void touch();
  clock::time_point last_piece_at() const;
  /// Pieces from the model so far (not the preface).
  std::size_t model_pieces() const;

  /// What the relay gives back when the session ends the reply; pushes after it are dropped.
  struct taken {
    std::vector<std::string> tokens;
    std::optional<core::stop_scanner> stops;
    std::optional<double> ttft_ms;
    clock::time_point last_piece_at;
  };
  taken close();

private:
  void send_locked(std::string piece);

  mutable std::mutex mutex_;
  options o_;
  bool closed_ = false;
  std::optional<double> ttft_ms_;
  clock::time_point last_piece_at_;
};

} // namespace xinyu::actors
