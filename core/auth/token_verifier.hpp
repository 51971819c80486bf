// Verifies and issues HS256 JSON Web Tokens (sub = user id, exp required) for signed-token auth.
// Pure: time is passed in; must never log a token or the secret.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xinyu::core {

struct token_check {
  std::optional<std::string> user; // the verified `sub`
  bool operator_role = false;      // claim "role": "operator" (absent or "user": a person)
  bool platform_role = false;      // claim "role": "platform": a chat platform serving its users
  bool minor = false;              // claim "age_band": "minor" (absent or "adult": an adult)
  std::string error;               // one sentence when user is empty (safe to show the client)
};

class token_verifier {
public:
  /// `leeway_s`: clock skew tolerated on `exp` and `nbf`.
  explicit token_verifier(std::string secret, std::size_t max_user_bytes = 128,
                          std::int64_t leeway_s = 30);

  /// Checks the compact JWT at `now_s` (seconds since the epoch): alg HS256, a valid
  /// signature, `exp` in the future, `nbf` (if any) in the past, `sub` a valid user id.
  token_check verify(std::string_view token, std::int64_t now_s) const;

  /// A token for `user` that expires at `exp_s` (for tools and tests); `operator_role` adds
  /// the claim "role": "operator".
  std::string issue(std::string_view user, std::int64_t exp_s, bool operator_role = false,
                    bool minor = false, bool platform_role = false) const;

private:
  std::string secret_;
  std::size_t max_user_bytes_;
  std::int64_t leeway_s_;
};

} // namespace xinyu::core
