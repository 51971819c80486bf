// Unit tests for finish_reason: the wire spellings and how provider finishes map onto them.
#include "core/policy/finish_reason.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace xinyu::core;

TEST_CASE("finish reasons are spelled as the protocol lists them", "[finish]") {
  CHECK(std::string{to_string(finish_reason::stop)} == "stop");
  CHECK(std::string{to_string(finish_reason::length)} == "length");
  CHECK(std::string{to_string(finish_reason::cancelled)} == "cancelled");
  CHECK(std::string{to_string(finish_reason::fallback)} == "fallback");
  CHECK(std::string{to_string(finish_reason::error)} == "error");
}

TEST_CASE("a provider's finish never leaks an unlisted value onto the wire", "[finish]") {
  CHECK(finish_from_provider("stop") == finish_reason::stop);
  CHECK(finish_from_provider("length") == finish_reason::length);
  CHECK(finish_from_provider("error") == finish_reason::error);
  CHECK(finish_from_provider("cancelled") == finish_reason::cancelled);
  CHECK(finish_from_provider("content_filter") == finish_reason::stop);
  CHECK(finish_from_provider("tool_calls") == finish_reason::stop);
  CHECK(finish_from_provider("") == finish_reason::stop);
}
