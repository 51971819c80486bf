// The optional safety guard: a Llama Guard-style chat model or a /moderations endpoint,
// asked over json_post_client. Blocking; must never be called from a CAF scheduler thread.
#pragma once

#include "core/analysis/guard_verdict.hpp"

#include <memory>
#include <string>

namespace xinyu::llm {

struct guard_endpoint {
  std::string base_url; // e.g. http://127.0.0.1:11434/v1
  std::string model;    // e.g. llama-guard3:1b; may be empty for /moderations
  std::string api_key;
  core::guard_shape shape = core::guard_shape::chat;
  unsigned timeout_ms = 300;
};

/// Null with `error` for a bad URL or a chat guard without a model.
std::shared_ptr<const core::safety_guard> make_guard_client(const guard_endpoint& ep,
                                                            std::string& error);

} // namespace xinyu::llm
