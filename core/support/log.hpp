// The one structured logger: one JSON object per line on stderr with `ts`, `level` and `event`
// first, written whole under a lock, escaped once here. Must never log message text unless
// the caller was told to (config log.text).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>
#include <initializer_list>

namespace xinyu::core::log {

enum class level { debug, info, warn, error };

/// One `"key": value` of a log line. Strings are escaped; numbers and booleans are not quoted.
class field {
public:
  field(std::string_view key, std::string_view value);
  field(std::string_view key, const char* value) : field(key, std::string_view{value}) {}
  field(std::string_view key, const std::string& value) : field(key, std::string_view{value}) {}
  field(std::string_view key, bool value);
  field(std::string_view key, double value);
  field(std::string_view key, std::nullptr_t);
  field(std::string_view key, const std::vector<std::string>& values);
  template <class Int,
            std::enable_if_t<std::is_integral_v<Int> && !std::is_same_v<Int, bool>, int> = 0>
  field(std::string_view key, Int value)
    : field(key, static_cast<std::int64_t>(value), raw_integer{}) {}

  /// `"key":value` as it goes into the line.
  const std::string& text() const noexcept { return text_; }

private:
  struct raw_integer {};
  field(std::string_view key, std::int64_t value, raw_integer);
  std::string text_;
};

/// Writes `{"ts":...,"level":...,"event":...,<fields>}` and a newline to stderr, atomically
/// with respect to other log lines. Lines below the minimum level are dropped.
void write(level lvl, std::string_view event, std::initializer_list<field> fields = {});
void write(level lvl, std::string_view event, const std::vector<field>& fields);

inline void info(std::string_view event, std::initializer_list<field> fields = {}) {
  write(level::info, event, fields);
}
inline void warn(std::string_view event, std::initializer_list<field> fields = {}) {
  write(level::warn, event, fields);
}
inline void error(std::string_view event, std::initializer_list<field> fields = {}) {
  write(level::error, event, fields);
}

/// The key of user pseudonyms (config log.user_hash_secret). Set once at start-up, before
/// any line is written; without it every pseudonym uses a random per-process key.
void set_user_key(std::string key);

/// What a log line says instead of a user id: "u:" and 16 hex digits of HMAC-SHA256(key, id).
/// The same user gets the same pseudonym under the same key; without the key it cannot be
/// turned back into the id.
std::string user_pseudonym(std::string_view user);

/// Lines below `lvl` are dropped from now on (default: info).
void set_min_level(level lvl) noexcept;

/// Where lines go instead of stderr (tests); null restores stderr. Not thread-safe against
/// concurrent writes: set it before logging starts.
void set_sink_for_tests(void (*sink)(std::string_view line));

} // namespace xinyu::core::log
