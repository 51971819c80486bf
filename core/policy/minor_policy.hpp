// The minors policy's content rule: a minor asking for romance or a partner (role-play,
// "be my girlfriend", 做我男朋友) gets a fixed, kind refusal instead of a model reply.
// Pure; must never call a model or decide who is a minor (the token's age_band does).
#pragma once

#include <string>
#include <string_view>

namespace xinyu::core {

/// True when `text` asks the companion for a romantic, flirtatious or sexual role.
bool asks_for_romance(std::string_view text);

/// The refusal a minor gets for such a request, in their language.
std::string minor_romance_refusal(bool chinese);

} // namespace xinyu::core
