// The security headers of the web page: a Content-Security-Policy that allows exactly the
// page's own inline scripts (by SHA-256) and nothing from elsewhere. Must never allow
// 'unsafe-inline' or 'unsafe-eval' for scripts.
#pragma once

#include <string>
#include <string_view>

namespace xinyu::core {

/// The CSP for `html`: scripts only by the hashes of its inline <script> elements, styles
/// inline, images from data: URLs, connections to the page's own origin (HTTP and WebSocket),
/// no frames, no forms, no base URL.
std::string page_content_security_policy(std::string_view html);

} // namespace xinyu::core
