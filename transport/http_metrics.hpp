// HTTP responses counted by route and status class (xinyu_http_requests_total). Route labels
// come from a fixed list, so a client can never grow the label set; must never label by user.
#pragma once

#include <string_view>

namespace xinyu::transport {

/// The route label of a request target: one of the server's paths ("/v1/chat",
/// "/v1/models/{id}", ...) or "other" for anything else. The query string is ignored.
std::string_view http_route(std::string_view target);

/// Counts one response: xinyu_http_requests_total{route, code="1xx".."5xx"}.
void count_http_response(std::string_view route, unsigned status);

} // namespace xinyu::transport
