// The built-in offline LLM provider: composes a context-aware supportive reply (emotion, safety
// level, memories, language) and splits it into paced tokens. Pure; must never do network I/O.
#pragma once

#include "llm/provider.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace xinyu::llm {

struct pacing {
  unsigned first_token_ms = 150;
  double tokens_per_s = 30; // 0 = all at once
  /// Delay before token `seq` (0-based) counted from the previous one.
  unsigned delay_before(std::size_t seq) const noexcept;
};

class offline_provider {
public:
  /// The reply text for `req`; deterministic for the same input, varied across inputs.
  std::string compose(const llm_request& req) const;
};

} // namespace xinyu::llm
