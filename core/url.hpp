// Parses the http(s) base URLs of upstream LLM endpoints. Pure; must never resolve or connect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xinyu::core {

struct url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 80;
  std::string path; // without trailing '/', may be empty
};

/// "https://api.example.com/v1" -> {tls, "api.example.com", 443, "/v1"}; nullopt if not http(s).
std::optional<url> parse_url(std::string_view text);

} // namespace xinyu::core
