// Unit tests for core/support/text: UTF-8 validation, Han detection, JSON escaping, blank checks.
#include "core/support/text.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

TEST_CASE("utf8 validation accepts well-formed and rejects malformed input", "[text]") {
  CHECK(is_valid_utf8("hello"));
  CHECK(is_valid_utf8("你好，世界 😊"));
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));         // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));     // UTF-16 surrogate
  CHECK_FALSE(is_valid_utf8("\xe4\xbd"));         // truncated
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80")); // > U+10FFFF
}

TEST_CASE("decode and encode round-trip", "[text]") {
  std::string s = "心语 xinyu 😊";
  CHECK(encode_utf8(decode_utf8(s)) == s);
  CHECK(utf8_chars("心语a").size() == 3);
}

TEST_CASE("language detection by Han share", "[text]") {
  CHECK(is_mostly_chinese("我今天很难过"));
  CHECK(is_mostly_chinese("今天的meeting好累"));
  CHECK_FALSE(is_mostly_chinese("I feel sad today"));
  CHECK_FALSE(is_mostly_chinese("12345"));
}

TEST_CASE("json escaping covers quotes, backslashes and control characters", "[text]") {
  std::string out;
  append_json_escaped(out, "a\"b\\c\n\x01");
  CHECK(out == "a\\\"b\\\\c\\n\\u0001");
}

TEST_CASE("blank detection includes Unicode spaces", "[text]") {
  CHECK(is_blank(""));
  CHECK(is_blank(" \t\n"));
  CHECK(is_blank("\xe3\x80\x80")); // ideographic space
  CHECK_FALSE(is_blank(" a "));
}
