// The offline provider's words: composes a context-aware supportive reply (emotion, safety
// level, memories, language) from one request. Pure; must never do I/O or pacing.
#pragma once

#include "llm/provider.hpp"

#include <string>

namespace xinyu::llm {

class offline_composer {
public:
  /// The reply text for `req`; deterministic for the same input, varied across inputs.
  std::string compose(const llm_request& req) const;
};

} // namespace xinyu::llm
