// Rule-based safety check with levels ok/caution/crisis/blocked over normalised text, plus
// redaction of personal data. Pure and thread-safe after construction; must never call out.
#pragma once

#include "core/analysis.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

class safety_checker {
public:
  safety_checker();

  safety_result check(std::string_view text) const;

  /// Folds full-width forms, case and common homoglyphs/leetspeak, and drops spaces and
  /// symbols, so "K i l l  m y s e l f" and "ｋｉｌｌ ｍｙｓｅｌｆ" both read "killmyself".
  static std::string normalize(std::string_view text);

  /// Masks phone numbers, ID numbers, e-mail addresses and card numbers; appends the
  /// categories found ("pii") to `found`.
  static std::string redact(std::string_view text, bool& found);

  /// True when the text names an age under 18 ("12 year old", "12-year-old", "12岁").
  static bool mentions_minor_age(std::string_view text);

private:
  struct combo {
    std::string category;             // crisis when a word of each list is present
    std::vector<std::string> first, second;
  };
  std::vector<combo> combos_;
  struct rule {
    std::string pattern; // normalised
    safety_level level;
    std::string category;
  };
  std::vector<rule> rules_;
  std::vector<std::string> exceptions_;       // normalised phrases that are never a hit
  std::vector<std::string> minor_terms_;      // blocked only when combined with sexual terms
  std::vector<std::string> sexual_terms_;
};

} // namespace xinyu::core
