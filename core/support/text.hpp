// UTF-8 and text helpers shared by the pure-logic components (frames, emotion, safety, embeddings).
// Must never allocate per byte on hot paths or depend on any actor, socket or storage type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

/// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

/// Decodes well-formed UTF-8 into code points; invalid bytes become U+FFFD.
std::vector<char32_t> decode_utf8(std::string_view s);

/// Appends the UTF-8 encoding of `cp` to `out`.
void append_utf8(std::string& out, char32_t cp);

/// Encodes code points as UTF-8.
std::string encode_utf8(const std::vector<char32_t>& cps);

/// Splits into whole UTF-8 characters (one string per code point).
std::vector<std::string> utf8_chars(std::string_view s);

/// Han ideographs (CJK unified ideographs and extension A, compatibility).
bool is_cjk(char32_t cp) noexcept;

/// True when at least a third of the letters are Han ideographs.
bool is_mostly_chinese(std::string_view s);

/// JSON string escaping (without the surrounding quotes), for hand-built frames.
void append_json_escaped(std::string& out, std::string_view s);

/// Trims ASCII and Unicode whitespace at both ends; true if nothing remains.
bool is_blank(std::string_view s);

/// True when every byte is ASCII (an English word or phrase, not a Chinese one).
bool is_ascii(std::string_view s) noexcept;

} // namespace xinyu::core
