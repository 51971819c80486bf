// Parses the http(s) base URLs of upstream endpoints with Boost.URL (RFC 3986).
// Pure; must never resolve or connect.
#include "llm/endpoint_url.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/src.hpp> // Boost.URL compiled into this one translation unit

namespace xinyu::llm {

std::optional<endpoint_url> parse_endpoint_url(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed)
    return std::nullopt;
  const auto& u = *parsed;
  endpoint_url out;
  if (u.scheme_id() == boost::urls::scheme::https) {
    out.tls = true;
    out.port = 443;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    return std::nullopt;
  }
  if (!u.has_authority() || u.has_userinfo() || u.has_query() || u.has_fragment())
    return std::nullopt;
  out.host = u.host_type() == boost::urls::host_type::ipv6 ? std::string{u.host_address()}
                                                           : std::string{u.encoded_host()};
  if (out.host.empty())
    return std::nullopt;
  if (u.has_port()) {
    if (u.port().empty() || u.port_number() == 0 || u.port().size() > 5
        || std::stoul(std::string{u.port()}) > 65535)
      return std::nullopt;
    out.port = u.port_number();
  }
  out.path = std::string{u.encoded_path()};
  while (!out.path.empty() && out.path.back() == '/')
    out.path.pop_back();
  return out;
}

} // namespace xinyu::llm
