// HS256 JSON Web Tokens: verify (constant-time signature check) and issue.
// Pure: time is passed in; must never log a token or the secret.
#include "core/auth/token_verifier.hpp"

#include "core/protocol/client_frame.hpp"
#include "core/auth/sha256.hpp"

#include <nlohmann/json.hpp>

namespace xinyu::core {

namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url_encode(std::string_view in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t n = (std::uint32_t(std::uint8_t(in[i])) << 16)
                      | (std::uint32_t(std::uint8_t(in[i + 1])) << 8) | std::uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6)
      out.push_back(alphabet[(n >> s) & 63]);
  }
  if (i < in.size()) {
    std::uint32_t n = std::uint32_t(std::uint8_t(in[i])) << 16;
    if (i + 1 < in.size())
      n |= std::uint32_t(std::uint8_t(in[i + 1])) << 8;
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    if (i + 1 < in.size())
      out.push_back(alphabet[(n >> 6) & 63]);
  }
  return out;
}

std::optional<std::string> b64url_decode(std::string_view in) {
  if (in.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z')
      v = c - 'A';
    else if (c >= 'a' && c <= 'z')
      v = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      v = c - '0' + 52;
    else if (c == '-')
      v = 62;
    else if (c == '_')
      v = 63;
    else
      return std::nullopt; // padding and other characters are not part of a compact JWT
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  unsigned char d = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    d |= static_cast<unsigned char>(a[i] ^ b[i]);
  return d == 0;
}

std::string signature(const std::string& secret, std::string_view signing_input) {
  auto mac = hmac_sha256(secret, signing_input);
  return b64url_encode({reinterpret_cast<const char*>(mac.data()), mac.size()});
}

} // namespace

token_verifier::token_verifier(std::string secret, std::size_t max_user_bytes,
                               std::int64_t leeway_s)
  : secret_(std::move(secret)), max_user_bytes_(max_user_bytes), leeway_s_(leeway_s) {}

token_check token_verifier::verify(std::string_view token, std::int64_t now_s) const {
  token_check r;
  auto d1 = token.find('.');
  auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos
      || token.size() > 8192) {
    r.error = "the token is not a compact JWT (header.payload.signature)";
    return r;
  }
  auto header = b64url_decode(token.substr(0, d1));
  auto payload = b64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  if (!header || !payload) {
    r.error = "the token is not base64url-encoded";
    return r;
  }
  auto h = nlohmann::json::parse(*header, nullptr, false);
  if (!h.is_object() || !h.contains("alg") || h["alg"] != "HS256") {
    r.error = "the token must be signed with HS256";
    return r;
  }
  // the signature is checked before anything in the payload is believed
  if (!equal_constant_time(signature(secret_, token.substr(0, d2)), token.substr(d2 + 1))) {
    r.error = "the token's signature is not valid";
    return r;
  }
  auto p = nlohmann::json::parse(*payload, nullptr, false);
  if (!p.is_object()) {
    r.error = "the token's payload is not a JSON object";
    return r;
  }
  if (!p.contains("exp") || !p["exp"].is_number()) {
    r.error = "the token has no expiry (exp)";
    return r;
  }
  if (p["exp"].get<double>() + static_cast<double>(leeway_s_) <= static_cast<double>(now_s)) {
    r.error = "the token has expired";
    return r;
  }
  if (p.contains("nbf")
      && (!p["nbf"].is_number()
          || p["nbf"].get<double>() - static_cast<double>(leeway_s_)
               > static_cast<double>(now_s))) {
    r.error = "the token is not valid yet (nbf)";
    return r;
  }
  if (!p.contains("sub") || !p["sub"].is_string()
      || !is_valid_user_id(p["sub"].get_ref<const std::string&>(), max_user_bytes_)) {
    r.error = "the token's subject (sub) is not a valid user id";
    return r;
  }
  if (p["sub"].get_ref<const std::string&>().find(':') != std::string::npos) {
    // ':' is reserved: "<platform>:<name>" are the users a platform token names
    r.error = "the token's subject (sub) must not contain ':' (reserved for platform users)";
    return r;
  }
  if (p.contains("role")
      && (!p["role"].is_string()
          || (p["role"] != "user" && p["role"] != "operator" && p["role"] != "platform"))) {
    r.error = "the token's role must be \"user\", \"operator\" or \"platform\"";
    return r;
  }
  if (p.contains("age_band")
      && (!p["age_band"].is_string() || (p["age_band"] != "minor" && p["age_band"] != "adult"))) {
    r.error = "the token's age_band must be \"minor\" or \"adult\"";
    return r;
  }
  r.operator_role = p.value("role", "") == "operator";
  r.platform_role = p.value("role", "") == "platform";
  r.minor = p.value("age_band", "") == "minor";
  r.user = p["sub"].get<std::string>();
  return r;
}

std::string token_verifier::issue(std::string_view user, std::int64_t exp_s, bool operator_role,
                                  bool minor, bool platform_role) const {
  auto header = b64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  nlohmann::json claims{{"sub", user}, {"exp", exp_s}};
  if (operator_role)
    claims["role"] = "operator";
  else if (platform_role)
    claims["role"] = "platform";
  if (minor)
    claims["age_band"] = "minor";
  auto payload = b64url_encode(claims.dump());
  auto input = header + "." + payload;
  return input + "." + signature(secret_, input);
}

} // namespace xinyu::core
