// SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104) for signed-token verification, by OpenSSL.
// Pure and allocation-light; must never be used for anything but integrity checks.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace xinyu::core {

using sha256_digest = std::array<std::uint8_t, 32>;

sha256_digest sha256(std::string_view data);

sha256_digest hmac_sha256(std::string_view key, std::string_view message);

} // namespace xinyu::core
