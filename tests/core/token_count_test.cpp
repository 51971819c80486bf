// Unit tests for core/policy/token_count: the approximate BPE-style count used where an
// endpoint reports no usage.
#include "core/policy/token_count.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

TEST_CASE("approximate token counts follow the usual BPE rules of thumb", "[tokens]") {
  CHECK(approximate_tokens("") == 0);
  CHECK(approximate_tokens("hello") == 1);
  CHECK(approximate_tokens("hello world") == 2);
  CHECK(approximate_tokens("I feel sad today.") == 5);     // four words and a full stop
  CHECK(approximate_tokens("incomprehensibilities") == 3); // 21 letters: one more per 7
  CHECK(approximate_tokens("I've") == 2);                  // "I" and "'ve"
  CHECK(approximate_tokens("so good!!!") == 3);            // a run of one mark is one token
  // ... but a long run is not (BPE gives hundreds for a 4 000-character divider)
  CHECK(approximate_tokens(std::string(4000, '-')) >= 400);
  CHECK(approximate_tokens(std::string(4000, ' ')) >= 200);
  CHECK(approximate_tokens("2026") == 2);
  CHECK(approximate_tokens("我今天很难过") == 6);
  CHECK(approximate_tokens("你好，世界") == 5); // the full-width comma is CJK punctuation
  CHECK(approximate_tokens("café") == 3);       // "caf" and a two-token é
  CHECK(approximate_tokens("\xff") == 2);       // a stray byte still counts, never overruns
  CHECK(approximate_message_tokens("hello") == 5);
}
