// Conversation-level risk: a decaying score over a user's turns, so that repeated signals of
// hopelessness, burden or farewell reach the crisis path even when no single message would.
// Pure (the caller passes the time); must never keep more than one user's score.
#pragma once

#include "core/analysis/analysis.hpp"

#include <chrono>

namespace xinyu::core {

struct conversation_risk_settings {
  double half_life_s = 1800; // a signal counts half after this long (safety.risk_half_life_s)
  double crisis_at = 1.0; // score at which a turn with a signal escalates (safety.risk_crisis_at)
  double distress = 0.35; // a turn at caution for distress or self-harm words
  double crisis = 1.0;    // a crisis turn primes the next ones
  double low_mood = 0.1;  // sadness, fear or loneliness with valence <= -0.5
};

class conversation_risk {
public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit conversation_risk(conversation_risk_settings s = {}) : s_(s) {}

  /// Adds this turn's signals to the decayed score and returns the turn's verdict: unchanged,
  /// or crisis (self_harm, with "conversation_risk" among the categories) when the score
  /// reaches crisis_at, this turn itself carries a signal (caution or a low mood), and the
  /// conversation has had words of danger (`safety_result::danger_words`: hopelessness,
  /// burden, farewell, a wish to be dead, ...) within about one half-life. The model's
  /// suspicion alone raises the score but never escalates: repeated venting about work or
  /// loneliness gets a gentle check-in each turn, not the crisis path.
  safety_result observe(safety_result s, const emotion_result& e, time_point now);

  double score(time_point now) const;

private:
  double decayed(double value, time_point now) const;

  conversation_risk_settings s_;
  double score_ = 0;
  double danger_ = 0; // decayed count of turns with words of danger
  time_point at_{};
};

} // namespace xinyu::core
