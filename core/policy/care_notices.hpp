// When the duty-of-care notices are due (AI disclosure, break reminder) and what they say.
// Pure timing over an injected clock; must never send anything itself.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xinyu::core {

/// The built-in texts (config keys care.disclosure_text and care.break_text default to them).
extern const char* const default_disclosure_text;
extern const char* const default_break_text; // "{minutes}" is replaced by the minutes of use

struct care_settings {
  bool disclosure = true;
  std::chrono::milliseconds disclosure_interval{3600000}; // repeat after this much use; 0 = never
  std::chrono::milliseconds break_after{7200000};         // break reminder after this; 0 = off
  std::chrono::milliseconds break_reset{900000};          // a pause this long starts use afresh
  std::string disclosure_text = default_disclosure_text;
  std::string break_text = default_break_text;
  // a minor's reminders (AI disclosure and break) come at least this often; 0 = like adults
  std::chrono::milliseconds minor_interval{3600000};
};

/// A schedule's moments as Unix milliseconds (0 = not yet), stored with the user's turns so
/// that a restart, a passivation or another node continues the same schedule.
struct care_times {
  std::int64_t last_disclosure = 0;
  std::int64_t use_started = 0; // the start of the current stretch of continuous use
  std::int64_t last_turn_end = 0;
  std::int64_t last_break_reminder = 0;
  bool empty() const { return last_disclosure == 0 && last_turn_end == 0; }
};

struct care_notice {
  std::string kind; // ai_disclosure | break_reminder (the notice frame's kind)
  std::string text;
};

/// One user's notice schedule. Not thread-safe (owned by the user's session).
class care_schedule {
public:
  using clock = std::chrono::steady_clock;

  care_schedule() = default;
  care_schedule(care_settings settings, clock::time_point now);

  /// A connection attached: the disclosure, when enabled.
  std::optional<care_notice> on_attach(clock::time_point now);

  /// A turn ended at `now`: the disclosure again after `disclosure_interval` since the last
  /// one, and a break reminder after `break_after` of use without a `break_reset` pause.
  std::vector<care_notice> after_turn(clock::time_point now);

  /// The user is a minor: the disclosure stays on and both reminders come at least every
  /// `minor_interval`.
  void set_minor();

  /// The schedule's moments on the wall clock (`now` and `now_unix_ms` are the same instant).
  care_times times(clock::time_point now, std::int64_t now_unix_ms) const;
  /// Continues a stored schedule: moments in the future (a clock that jumped) count as now.
  void restore(const care_times& t, clock::time_point now, std::int64_t now_unix_ms);

private:
  care_settings cfg_;
  clock::time_point last_disclosure_{};
  clock::time_point use_started_{}, last_turn_end_{}, last_break_reminder_{};
};

} // namespace xinyu::core
