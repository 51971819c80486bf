// Duty-of-care reporting without text: the countable events of a turn and the downloadable
// report. Pure; must never see a user id or a message's text.
#include "core/policy/care_report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>

namespace xinyu::core {

namespace {

constexpr std::array<std::string_view, 9> known_categories = {
  "self_harm",  "violence",         "sexual_minors",     "distress", "pii",
  "harassment", "prompt_injection", "conversation_risk", "guard"};

/// A valid calendar date written YYYY-MM-DD, as days since the epoch.
std::optional<std::chrono::sys_days> parse_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-')
    return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9')
      return std::nullopt;
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i)
      v = v * 10 + (s[i] - '0');
    return v;
  };
  std::chrono::year_month_day ymd{std::chrono::year{num(0, 4)},
                                  std::chrono::month{static_cast<unsigned>(num(5, 2))},
                                  std::chrono::day{static_cast<unsigned>(num(8, 2))}};
  if (!ymd.ok())
    return std::nullopt;
  return std::chrono::sys_days{ymd};
}

std::string format_day(std::chrono::sys_days d) {
  std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos)
      return out;
    s.remove_prefix(at + 1);
  }
}

} // namespace

std::string care_event::key() const {
  if (referral)
    return "referral/" + locale;
  return "detection/" + locale + "/" + level + "/" + category;
}

std::vector<care_event> care_events(const safety_result& verdict, bool chinese, bool referred) {
  std::vector<care_event> out;
  std::string locale = chinese ? "zh" : "en";
  if (verdict.level != safety_level::ok) {
    std::string level = to_string(verdict.level);
    auto add = [&](std::string_view category) {
      for (const auto& e : out)
        if (e.category == category)
          return; // a category counts once per turn
      out.push_back({false, locale, level, std::string{category}});
    };
    if (verdict.categories.empty())
      add("unspecified");
    for (const auto& c : verdict.categories)
      add(std::find(known_categories.begin(), known_categories.end(), c) != known_categories.end()
            ? std::string_view{c}
            : "other");
  }
  if (referred)
    out.push_back({true, locale, {}, {}});
  return out;
}

std::optional<care_report_query>
parse_care_report_query(std::string_view query, std::string_view today, std::string& error) {
  care_report_query q;
  std::optional<std::string_view> from, to;
  for (auto part : split(query, '&')) {
    if (part.empty())
      continue;
    auto eq = part.find('=');
    auto name = part.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    if (name == "from")
      from = value;
    else if (name == "to")
      to = value;
    else if (name == "format") {
      if (value != "json" && value != "csv") {
        error = "format must be json or csv";
        return std::nullopt;
      }
      q.csv = value == "csv";
    } else {
      error = "unknown parameter '" + std::string{name} + "' (from, to, format)";
      return std::nullopt;
    }
  }
  auto to_day = parse_day(to.value_or(today));
  if (!to_day) {
    error = "'to' must be a date written YYYY-MM-DD";
    return std::nullopt;
  }
  auto from_day = from ? parse_day(*from) : std::optional{*to_day - std::chrono::days{29}};
  if (!from_day) {
    error = "'from' must be a date written YYYY-MM-DD";
    return std::nullopt;
  }
  if (*from_day > *to_day) {
    error = "'from' is after 'to'";
    return std::nullopt;
  }
  if (*to_day - *from_day >= std::chrono::days{400}) {
    error = "at most 400 days per report";
    return std::nullopt;
  }
  q.from = format_day(*from_day);
  q.to = format_day(*to_day);
  return q;
}

std::string render_care_report(const care_report_query& q, const std::vector<care_count>& counts) {
  if (q.csv) {
    std::string out = "date,event,locale,level,category,count\r\n";
    for (const auto& c : counts) {
      auto parts = split(c.event_key, '/');
      bool referral = parts[0] == "referral";
      out += c.day + "," + std::string{parts[0]} + ","
             + std::string{parts.size() > 1 ? parts[1] : ""} + ","
             + std::string{!referral && parts.size() > 2 ? parts[2] : ""} + ","
             + std::string{!referral && parts.size() > 3 ? parts[3] : ""} + ","
             + std::to_string(c.count) + "\r\n";
    }
    return out;
  }
  std::map<std::string, nlohmann::json> days;
  for (const auto& c : counts) {
    auto& d = days[c.day];
    if (d.is_null())
      d = {{"date", c.day},
           {"detections", nlohmann::json::array()},
           {"referrals", nlohmann::json::array()}};
    auto parts = split(c.event_key, '/');
    if (parts[0] == "referral" && parts.size() == 2)
      d["referrals"].push_back({{"locale", parts[1]}, {"count", c.count}});
    else if (parts[0] == "detection" && parts.size() == 4)
      d["detections"].push_back(
        {{"locale", parts[1]}, {"level", parts[2]}, {"category", parts[3]}, {"count", c.count}});
  }
  nlohmann::json out{{"from", q.from}, {"to", q.to}, {"days", nlohmann::json::array()}};
  for (auto& [day, d] : days)
    out["days"].push_back(std::move(d));
  return out.dump();
}

std::string utc_day(std::int64_t unix_ms) {
  return format_day(std::chrono::floor<std::chrono::days>(
    std::chrono::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{unix_ms}}));
}

} // namespace xinyu::core
