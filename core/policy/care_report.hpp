// Duty-of-care reporting without text: which countable events a turn produced (detections by
// locale, level and category; referrals by locale) and the report an operator downloads.
// Pure; must never see a user id or a message's text.
#pragma once

#include "core/analysis/analysis.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

/// One countable event. `category` is one of a fixed set ("other" otherwise), so no input can
/// grow the label set of a metric or the keys of the report.
struct care_event {
  bool referral = false; // a crisis reply opened with the referral; else a detection
  std::string locale;    // zh | en
  std::string level;     // caution | crisis | blocked (detections only)
  std::string category;  // detections only
  /// "referral/<locale>" or "detection/<locale>/<level>/<category>" (the storage key suffix)
  std::string key() const;
};

/// The events of a turn judged `verdict` in `chinese` or not, `referred` when its reply opened
/// with the crisis referral. Nothing for an ok verdict without a referral.
std::vector<care_event> care_events(const safety_result& verdict, bool chinese, bool referred);

/// A stored count, as read back.
struct care_count {
  std::string day; // YYYY-MM-DD
  std::string event_key;
  std::uint64_t count = 0;
};

/// GET /admin/reports/crisis?from=YYYY-MM-DD&to=YYYY-MM-DD&format=json|csv
struct care_report_query {
  std::string from, to;
  bool csv = false;
};

/// Parses the query string; `today` (YYYY-MM-DD, UTC) is the default `to`, and `from` defaults
/// to 29 days before `to`. At most 400 days. nullopt with `error` set when invalid.
std::optional<care_report_query>
parse_care_report_query(std::string_view query, std::string_view today, std::string& error);

/// The report body: JSON {from, to, days: [{date, detections: [{locale, level, category,
/// count}], referrals: [{locale, count}]}]} or CSV with the header
/// date,event,locale,level,category,count.
std::string render_care_report(const care_report_query& q, const std::vector<care_count>& counts);

/// YYYY-MM-DD (UTC) of a Unix time in milliseconds.
std::string utc_day(std::int64_t unix_ms);

} // namespace xinyu::core
