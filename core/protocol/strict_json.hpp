// JSON from clients, parsed strictly: a duplicate key in any object makes the document invalid
// (RFC 8259 leaves it undefined; "the last wins" let {"type":"history","type":"forget"} erase).
// Pure; must never throw.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace xinyu::core {

/// The parsed document, or a discarded value (is_discarded()) for invalid JSON; `duplicate`
/// is set when an object repeats a key (the result is then discarded too).
nlohmann::json parse_strict_json(std::string_view text, bool& duplicate);

} // namespace xinyu::core
