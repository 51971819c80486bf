// Parses the http(s) base URLs of upstream LLM endpoints.
// Pure; must never resolve or connect.
#include "core/url.hpp"

#include <charconv>

namespace xinyu::core {

std::optional<url> parse_url(std::string_view t) {
  url u;
  if (t.rfind("https://", 0) == 0) {
    u.tls = true;
    u.port = 443;
    t.remove_prefix(8);
  } else if (t.rfind("http://", 0) == 0) {
    t.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  auto slash = t.find('/');
  auto hostport = t.substr(0, slash);
  u.path = slash == std::string_view::npos ? "" : std::string{t.substr(slash)};
  while (!u.path.empty() && u.path.back() == '/')
    u.path.pop_back();
  if (hostport.empty())
    return std::nullopt;
  if (hostport.front() == '[') { // [::1]:8080
    auto close = hostport.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    u.host = std::string{hostport.substr(1, close - 1)};
    hostport.remove_prefix(close + 1);
    if (!hostport.empty() && hostport.front() != ':')
      return std::nullopt;
  } else {
    auto colon = hostport.find(':');
    u.host = std::string{hostport.substr(0, colon)};
    hostport = colon == std::string_view::npos ? std::string_view{} : hostport.substr(colon);
  }
  if (!hostport.empty()) { // ":port"
    hostport.remove_prefix(1);
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(hostport.data(), hostport.data() + hostport.size(), p);
    if (ec != std::errc{} || ptr != hostport.data() + hostport.size() || p == 0 || p > 65535)
      return std::nullopt;
    u.port = static_cast<std::uint16_t>(p);
  }
  if (u.host.empty() || u.host.find_first_of(" /?#@") != std::string::npos)
    return std::nullopt;
  return u;
}

} // namespace xinyu::core
