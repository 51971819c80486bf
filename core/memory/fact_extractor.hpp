// Picks the sentences of a user message that are worth remembering about the user (name,
// people, pets, work, places, health, likes, plans). Pure and stateless; must never store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

class fact_extractor {
public:
  /// The sentences of `text` that tell something lasting about the user, in order, trimmed;
  /// empty for greetings, questions, passing moods and small talk.
  std::vector<std::string> extract(std::string_view text) const;

  /// True when one sentence (no terminal punctuation needed) discloses a fact.
  static bool is_fact(std::string_view sentence);

  /// True when the text speaks of harming oneself (never remembered, never quoted back).
  static bool about_self_harm(std::string_view text);
};

} // namespace xinyu::core
