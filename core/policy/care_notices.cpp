// When the duty-of-care notices are due and what they say.
// Must never read the real clock: every decision takes `now` from the caller.
#include "core/policy/care_notices.hpp"

#include <algorithm>

namespace xinyu::core {

const char* const default_disclosure_text =
  "心语是一个AI陪伴助手，不是真人，也不能替代专业帮助。"
  " Xinyu is an AI companion, not a person, and not a substitute for professional help.";

const char* const default_break_text =
  "我们已经聊了{minutes}分钟了。起来走走、喝点水、看看远处吧，我会在这里等你。 We have been "
  "talking for {minutes} minutes. How about a short break: stretch, drink some water, rest "
  "your eyes? I will be here.";

namespace {

std::string fill_minutes(std::string text, long long minutes) {
  const std::string key = "{minutes}";
  auto value = std::to_string(minutes);
  for (auto pos = text.find(key); pos != std::string::npos;
       pos = text.find(key, pos + value.size()))
    text.replace(pos, key.size(), value);
  return text;
}

} // namespace

care_schedule::care_schedule(care_settings settings, clock::time_point now)
  : cfg_(std::move(settings)), last_disclosure_(now) {}

std::optional<care_notice> care_schedule::on_attach(clock::time_point now) {
  if (!cfg_.disclosure)
    return std::nullopt;
  last_disclosure_ = now;
  return care_notice{"ai_disclosure", cfg_.disclosure_text};
}

care_times care_schedule::times(clock::time_point now, std::int64_t now_unix_ms) const {
  auto unix_of = [&](clock::time_point t) -> std::int64_t {
    if (t == clock::time_point{})
      return 0;
    return now_unix_ms - std::chrono::duration_cast<std::chrono::milliseconds>(now - t).count();
  };
  return {unix_of(last_disclosure_), unix_of(use_started_), unix_of(last_turn_end_),
          unix_of(last_break_reminder_)};
}

void care_schedule::restore(const care_times& t, clock::time_point now, std::int64_t now_unix_ms) {
  auto steady_of = [&](std::int64_t unix_ms, clock::time_point& out) {
    if (unix_ms == 0)
      return;
    auto ago = std::max<std::int64_t>(0, now_unix_ms - unix_ms);
    out = now - std::chrono::milliseconds{ago};
  };
  steady_of(t.last_disclosure, last_disclosure_);
  steady_of(t.use_started, use_started_);
  steady_of(t.last_turn_end, last_turn_end_);
  steady_of(t.last_break_reminder, last_break_reminder_);
}

void care_schedule::set_minor() {
  if (cfg_.minor_interval.count() <= 0)
    return;
  auto tighten = [this](std::chrono::milliseconds& interval) {
    if (interval.count() <= 0 || interval > cfg_.minor_interval)
      interval = cfg_.minor_interval;
  };
  cfg_.disclosure = true;
  tighten(cfg_.disclosure_interval);
  tighten(cfg_.break_after);
}

std::vector<care_notice> care_schedule::after_turn(clock::time_point now) {
  std::vector<care_notice> out;
  if (use_started_ == clock::time_point{} || now - last_turn_end_ >= cfg_.break_reset) {
    use_started_ = now; // a new stretch of use
    last_break_reminder_ = now;
  }
  last_turn_end_ = now;
  if (cfg_.disclosure && cfg_.disclosure_interval.count() > 0
      && now - last_disclosure_ >= cfg_.disclosure_interval) {
    last_disclosure_ = now;
    out.push_back({"ai_disclosure", cfg_.disclosure_text});
  }
  if (cfg_.break_after.count() > 0 && now - last_break_reminder_ >= cfg_.break_after) {
    last_break_reminder_ = now;
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(now - use_started_).count();
    out.push_back({"break_reminder", fill_minutes(cfg_.break_text, minutes)});
  }
  return out;
}

} // namespace xinyu::core
