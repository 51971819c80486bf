// Builds the web page's Content-Security-Policy from the hashes of its inline scripts.
// Must never hash anything but the exact text between <script ...> and </script>.
#include "core/protocol/page_security.hpp"

#include "core/auth/sha256.hpp"

#include <openssl/evp.h>

namespace xinyu::core {

namespace {

std::string base64(const sha256_digest& d) {
  unsigned char out[64] = {};
  int n = EVP_EncodeBlock(out, d.data(), static_cast<int>(d.size()));
  return std::string{reinterpret_cast<const char*>(out), static_cast<std::size_t>(n)};
}

} // namespace

std::string page_content_security_policy(std::string_view html) {
  std::string scripts;
  std::size_t at = 0;
  while ((at = html.find("<script", at)) != std::string_view::npos) {
    auto open_end = html.find('>', at);
    if (open_end == std::string_view::npos)
      break;
    auto close = html.find("</script>", open_end);
    if (close == std::string_view::npos)
      break;
    // an external script (src=) would be refused by the policy: only inline code is hashed
    auto body = html.substr(open_end + 1, close - open_end - 1);
    scripts += " 'sha256-" + base64(sha256(body)) + "'";
    at = close + 9;
  }
  return "default-src 'none'; script-src" + (scripts.empty() ? std::string{" 'none'"} : scripts)
         + "; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; "
           "form-action 'none'; frame-ancestors 'none'";
}

} // namespace xinyu::core
