// Unit tests of the web page's Content-Security-Policy: inline scripts allowed by hash only.
// Must never depend on the real page's contents (the e2e and browser suites cover it).
#include "core/protocol/page_security.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

TEST_CASE("page CSP: each inline script by its SHA-256, nothing inline allowed otherwise",
          "[page_security]") {
  // sha256("alert(1)") = 6e2f4b4a... in base64: bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=
  auto csp = page_content_security_policy(
    "<html><script>alert(1)</script><script id=\"x\">let a = 2;</script></html>");
  CHECK(csp.find("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='") != std::string::npos);
  CHECK(csp.find("script-src 'sha256-") != std::string::npos);
  auto second = csp.find("'sha256-", csp.find("'sha256-") + 1);
  CHECK(second != std::string::npos);
  CHECK(csp.find("unsafe-eval") == std::string::npos);
  CHECK(csp.find("script-src 'unsafe-inline'") == std::string::npos);
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(csp.find("connect-src 'self'") != std::string::npos);
  // a changed script changes its hash
  CHECK(page_content_security_policy("<script>alert(2)</script>")
        != page_content_security_policy("<script>alert(1)</script>"));
  CHECK(page_content_security_policy("<p>no scripts</p>").find("script-src 'none'")
        != std::string::npos);
}
