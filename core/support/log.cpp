// The one structured logger: JSON lines with ts, level and event, escaped once, under a lock.
// Must never log message text unless the caller was told to.
#include "core/support/log.hpp"

#include "core/auth/sha256.hpp"
#include "core/support/text.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>

namespace xinyu::core::log {

namespace {

std::atomic<int> min_level{static_cast<int>(level::info)};

std::string& user_key() {
  static std::string key = [] {
    std::random_device rd;
    std::string k(32, '\0');
    for (auto& c : k)
      c = static_cast<char>(rd());
    return k;
  }();
  return key;
}
void (*test_sink)(std::string_view) = nullptr;

const char* name(level l) {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

void open_key(std::string& out, std::string_view key) {
  out += '"';
  append_json_escaped(out, key);
  out += "\":";
}

/// UTC with milliseconds: 2026-12-04T15:23:36.123Z
void append_timestamp(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
    std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64]; // room for any int the compiler cannot rule out
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  out += buf;
}

template <class Range>
void write_range(level lvl, std::string_view event, const Range& fields) {
  if (static_cast<int>(lvl) < min_level.load(std::memory_order_relaxed))
    return;
  std::string line = "{\"ts\":\"";
  append_timestamp(line);
  line += "\",\"level\":\"";
  line += name(lvl);
  line += "\",\"event\":\"";
  append_json_escaped(line, event);
  line += '"';
  for (const auto& f : fields) {
    line += ',';
    line += f.text();
  }
  line += '}';
  static std::mutex mtx;
  std::lock_guard lock{mtx};
  if (test_sink) {
    test_sink(line);
    return;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace

field::field(std::string_view key, std::string_view value) {
  open_key(text_, key);
  text_ += '"';
  append_json_escaped(text_, value);
  text_ += '"';
}

field::field(std::string_view key, bool value) {
  open_key(text_, key);
  text_ += value ? "true" : "false";
}

field::field(std::string_view key, double value) {
  open_key(text_, key);
  if (!std::isfinite(value)) {
    text_ += "null";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  std::string_view v{buf};
  // 12.500 -> 12.5, 3.000 -> 3
  while (v.size() > 1 && v.back() == '0')
    v.remove_suffix(1);
  if (!v.empty() && v.back() == '.')
    v.remove_suffix(1);
  text_ += v;
}

field::field(std::string_view key, std::nullptr_t) {
  open_key(text_, key);
  text_ += "null";
}

field::field(std::string_view key, const std::vector<std::string>& values) {
  open_key(text_, key);
  text_ += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i)
      text_ += ',';
    text_ += '"';
    append_json_escaped(text_, values[i]);
    text_ += '"';
  }
  text_ += ']';
}

field::field(std::string_view key, std::int64_t value, raw_integer) {
  open_key(text_, key);
  text_ += std::to_string(value);
}

void write(level lvl, std::string_view event, std::initializer_list<field> fields) {
  write_range(lvl, event, fields);
}

void write(level lvl, std::string_view event, const std::vector<field>& fields) {
  write_range(lvl, event, fields);
}

void set_user_key(std::string key) {
  if (!key.empty())
    user_key() = std::move(key);
}

std::string user_pseudonym(std::string_view user) {
  static constexpr char hex[] = "0123456789abcdef";
  auto mac = hmac_sha256(user_key(), user);
  std::string out = "u:";
  for (std::size_t i = 0; i < 8; ++i) {
    out.push_back(hex[mac[i] >> 4]);
    out.push_back(hex[mac[i] & 0xF]);
  }
  return out;
}

void set_min_level(level lvl) noexcept {
  min_level.store(static_cast<int>(lvl), std::memory_order_relaxed);
}

void set_sink_for_tests(void (*sink)(std::string_view)) { test_sink = sink; }

} // namespace xinyu::core::log
