// The one table of configuration keys: each key once, with its help text, numeric range and
// the config member it fills; defaults are the members' initialisers in config.hpp. Must never
// hold a second copy of a default.
#pragma once

#include "core/support/config.hpp"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <string>
#include <vector>

namespace xinyu::core {

struct config_key {
  const char* path; // "transport.auth_timeout_ms"
  const char* help;
  double min = 0;
  double max = 0; // min == max == 0: no range beyond the member's type
  /// The member's value as JSON (the default: `get(config{})`).
  std::function<nlohmann::json(const config&)> get;
  /// Checks `value` (type, range) and stores it; false with a sentence in `err` otherwise.
  std::function<bool(const nlohmann::json& value, config&, std::string& err)> set;
  /// A key whose value is a JSON object but a single leaf (not merged key by key).
  bool object_leaf = false;
  bool secret = false; // a wrong value is never echoed in an error

  /// XINYU_TRANSPORT_AUTH_TIMEOUT_MS
  std::string env_name() const;
};

/// Every key, in documentation order.
const std::vector<config_key>& config_keys();

} // namespace xinyu::core
