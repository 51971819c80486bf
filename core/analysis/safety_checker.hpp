// Rule-based safety check with levels ok/caution/crisis/blocked over normalised text, plus
// redaction of personal data. Pure and thread-safe after construction; must never call out.
#pragma once

#include "core/analysis/analysis.hpp"
#include "core/analysis/safety_concepts.hpp"
#include "core/analysis/text_classifier.hpp"
#include "core/analysis/text_normalizer.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

/// How a trained model's probabilities become levels; chosen on the dev split by xinyu-train
/// and stored beside the model (safety.json). Labels are the categories of tests/data/safety.
struct safety_thresholds {
  double crisis = 0.5;  // P(self_harm) + P(violence) at or above: crisis
  double blocked = 0.5; // P(sexual_minors): blocked
  double caution = 0.3; // P(self_harm) + P(violence) + P(distress): caution (a gentle check-in)
  double other = 0.6;   // P(prompt_injection), P(harassment), P(pii): caution
  double veto = 1.1;    // P(benign) at or above: a rule's crisis becomes caution (an idiom,
                        // a worried parent, a joke); above 1 the model never overrules a rule
  double alone = 1.1;   // P(self_harm) + P(violence) at or above: crisis even without one word
                        // of danger the rules know ("I won't be alive tomorrow"); above 1 the
                        // model alone only ever asks gently
};

/// P(sexual_minors) at or above which a message with a word of a minor or of sex is at least a
/// check-in (safety_checker::combine). Chosen 2026-12-07 on dev out of fold: below the blocked
/// threshold the model answered many such requests that name an age as plain chat. Fixed, not
/// picked with the model's thresholds: a retrained model with another calibration keeps it.
inline constexpr double abuse_check_in = 0.2;

/// P(self_harm) + P(violence) at or above which a message with a word of harm, death or
/// weariness is at least a check-in (safety_checker::combine): the fail-safe for the uncertain
/// ("cant sleep again, just lying here wanting to be dead" read 0.80 out of fold, under the
/// caution threshold, and was plain chat). Fixed like abuse_check_in.
inline constexpr double harm_check_in = 0.5;

/// Which of the model's severe verdicts the words of a message can support (see combine): a
/// sure model raises a message to crisis or blocked only with a word of that kind of danger.
struct model_evidence {
  bool crisis = false;      // death, method, harm, farewell, weariness, veiled intent, a child,
                            // someone aimed at with intent or a time
  bool blocked = false;     // a minor (a word or an age under 18), sex, abuse material, or a hint
                            // of them (sext, a love scene, "our secret", thirteen, 炼铜)
  bool abuse_words = false; // a word of a minor, sex or abuse material itself (no hint): a
                            // message with one is never a crisis by the model's torn verdict
  // at least alone_min_words words (tokens: an ASCII word, a Han character): only such a message
  // may be a crisis on the model's word alone (safety_thresholds::alone). Out of fold the model
  // is as sure about "bye bye", "thank u" or "maybe" as about a plan.
  bool says_enough = false;
  static constexpr std::size_t alone_min_words = 6;
};

class safety_checker {
public:
  /// Rules alone, or rules (precision) with a trained model beside them (recall): the more
  /// severe verdict wins.
  explicit safety_checker(std::shared_ptr<const text_classifier> model = nullptr,
                          safety_thresholds thresholds = {});

  safety_result check(std::string_view text) const;

  /// Verdict of the rules alone and of the model alone (for evaluation and the trainer).
  safety_result check_rules(std::string_view text) const;
  safety_result check_model(const std::vector<std::pair<std::string, double>>& p) const;
  /// What the model reads: the rules' findings as marker words ("xyrule_self_harm") followed
  /// by the normalised text, so the model learns where the rules are right and where a
  /// look-alike fools them. The trainer and check() both build it here. `rules` must be the
  /// rules' verdict on the same text (check_rules): it carries the sex-education frame.
  std::string model_input(const normalized_text& n, const safety_result& rules,
                          const concept_finding& found) const;
  std::string model_input(std::string_view text) const;

  /// The final verdict from the rules' verdict and the model's probabilities. Without crisis
  /// `evidence` the model can raise a message to caution but not to crisis (unless it is sure
  /// enough to call one alone); without blocked evidence, never to blocked.
  safety_result combine(safety_result rules, const std::vector<std::pair<std::string, double>>& p,
                        model_evidence evidence) const;
  /// The evidence in a text: for crisis any concept of death, method, farewell or harm, or of
  /// weariness of life and veiled intent (tired of being alive, "when i'm gone", 活着没意思);
  /// for blocked a minor, sex or abuse material. A word of sex never supports a crisis, nor a
  /// word of death a refusal.
  model_evidence evidence_for(std::string_view text) const;
  const text_classifier* model() const noexcept { return model_.get(); }

  /// normalize_text(text).compact: what the rules match, so "K i l l  m y s e l f",
  /// "ｋｉｌｌ ｍｙｓｅｌｆ" and "k1ll mys3lf" all read "kilmyself" (letter runs squeezed).
  static std::string normalize(std::string_view text);

  /// Masks phone numbers, ID numbers, e-mail addresses and card numbers; appends the
  /// categories found ("pii") to `found`.
  static std::string redact(std::string_view text, bool& found);

  /// True when the text names an age under 18 ("12 year old", "12-year-old", "12岁").
  static bool mentions_minor_age(std::string_view text);

private:
  safety_result rules_on(std::string_view text, const normalized_text& n,
                         const concept_finding& found) const;
  /// Evidence for the model (combine's `evidence`) among the concepts found.
  static model_evidence evidence_in(const concept_finding& found, std::size_t word_count);
  /// Words of danger that mark a conversation for escalation (safety_result::danger_words).
  static bool danger_words_in(const concept_finding& found);

  struct combo {
    std::string category; // crisis when a word of each list is present
    std::vector<std::string> first, second;
  };
  std::vector<combo> combos_;
  struct rule {
    std::string pattern; // normalised
    safety_level level;
    std::string category;
  };
  std::vector<rule> rules_;
  std::vector<std::string> exceptions_;
  std::vector<std::string> minor_terms_;  // blocked only when combined with sexual terms
  std::vector<std::string> sexual_terms_; // normalised phrases that are never a hit
  safety_concepts concepts_;
  std::shared_ptr<const text_classifier> model_;
  safety_thresholds thresholds_;
};

/// The more severe of two verdicts, categories merged; the redacted text of `a` is kept.
safety_result merge(safety_result a, const safety_result& b);

} // namespace xinyu::core
