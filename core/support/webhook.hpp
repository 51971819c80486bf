// What the escalation actor posts duty-of-care events through: one JSON body to one configured
// URL. Implemented over HTTP by llm/webhook_client; must never retry itself (its caller owns
// retries, backoff and the queue bound).
#pragma once

#include <chrono>
#include <string>

namespace xinyu::core {

class webhook {
public:
  virtual ~webhook() = default;
  /// POSTs `json`; true on a 2xx answer within `timeout`, else false with `error`. Blocks: call
  /// it from a thread of its own (a detached actor).
  virtual bool post(const std::string& json, std::chrono::milliseconds timeout,
                    std::string& error) const = 0;
};

} // namespace xinyu::core
