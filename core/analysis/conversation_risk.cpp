// Conversation-level risk: exponential decay of per-turn signals, escalation to crisis.
// Pure; must never read a clock itself.
#include "core/analysis/conversation_risk.hpp"

#include <algorithm>
#include <cmath>

namespace xinyu::core {

double conversation_risk::decayed(double value, time_point now) const {
  if (value <= 0 || at_ == time_point{})
    return value;
  double dt = std::chrono::duration<double>(now - at_).count();
  return value * std::pow(0.5, std::max(0.0, dt) / s_.half_life_s);
}

double conversation_risk::score(time_point now) const { return decayed(score_, now); }

safety_result conversation_risk::observe(safety_result r, const emotion_result& e, time_point now) {
  auto has = [&r](const char* c) {
    return std::find(r.categories.begin(), r.categories.end(), c) != r.categories.end();
  };
  double signal = 0;
  if (r.level == safety_level::crisis && has("self_harm"))
    signal = s_.crisis;
  else if (r.level == safety_level::caution && (has("distress") || has("self_harm")))
    signal = s_.distress;
  bool low_mood =
    (e.label == "sadness" || e.label == "fear" || e.label == "loneliness") && e.valence <= -0.5;
  if (low_mood)
    signal += s_.low_mood;
  score_ = score(now) + signal;
  bool danger = r.danger_words || r.level == safety_level::crisis;
  danger_ = decayed(danger_, now) + ((danger && signal > 0) ? 1.0 : 0.0);
  at_ = now;
  if (r.level == safety_level::caution && signal > 0 && score_ >= s_.crisis_at && danger_ >= 0.5) {
    r.level = safety_level::crisis;
    if (!has("self_harm"))
      r.categories.push_back("self_harm");
    r.categories.push_back("conversation_risk");
  }
  return r;
}

} // namespace xinyu::core
