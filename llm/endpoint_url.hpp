// Parses the http(s) base URLs of upstream endpoints (LLM, embeddings, guard) with Boost.URL.
// Pure; must never resolve or connect.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xinyu::llm {

struct endpoint_url {
  bool tls = false;
  std::string host; // an IPv6 address without its brackets
  std::uint16_t port = 80;
  std::string path; // without trailing '/', may be empty
};

/// "https://api.example.com/v1" -> {tls, "api.example.com", 443, "/v1"}; nullopt unless an
/// absolute http(s) URL with a host, no user info, no query or fragment, and a port 1..65535.
std::optional<endpoint_url> parse_endpoint_url(std::string_view text);

} // namespace xinyu::llm
