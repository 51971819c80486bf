// Conversation-level risk: exponential decay of per-turn signals, escalation to crisis.
// Pure; must never read a clock itself.
#include "core/analysis/conversation_risk.hpp"

#include <algorithm>
#include <cmath>

namespace xinyu::core {

double conversation_risk::score(time_point now) const {
  if (score_ <= 0 || at_ == time_point{})
    return score_;
  double dt = std::chrono::duration<double>(now - at_).count();
  return score_ * std::pow(0.5, std::max(0.0, dt) / s_.half_life_s);
}

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
  at_ = now;
  if (r.level == safety_level::caution && signal > 0 && score_ >= s_.crisis_at) {
    r.level = safety_level::crisis;
    if (!has("self_harm"))
      r.categories.push_back("self_harm");
    r.categories.push_back("conversation_risk");
  }
  return r;
}

} // namespace xinyu::core
