// Strict JSON parsing of client input: duplicate keys rejected through nlohmann's parser
// callback. Pure; must never throw.
#include "core/protocol/strict_json.hpp"

#include <set>
#include <string>
#include <vector>

namespace xinyu::core {

nlohmann::json parse_strict_json(std::string_view text, bool& duplicate) {
  using nlohmann::json;
  duplicate = false;
  std::vector<std::set<std::string>> open; // the keys of each object being parsed
  json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start: open.emplace_back(); break;
      case json::parse_event_t::object_end:
        if (!open.empty())
          open.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open.empty() && parsed.is_string()
            && !open.back().insert(parsed.get_ref<const std::string&>()).second)
          duplicate = true;
        break;
      default: break;
    }
    return true;
  };
  auto j = json::parse(text, cb, /*allow_exceptions=*/false);
  if (duplicate)
    return json(json::value_t::discarded);
  return j;
}

} // namespace xinyu::core
