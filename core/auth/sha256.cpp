// SHA-256 and HMAC-SHA256 through OpenSSL's libcrypto (pure computation, no I/O).
// Must never be used for anything but integrity checks; keys never leave this call.
#include "core/auth/sha256.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace xinyu::core {

sha256_digest sha256(std::string_view data) {
  sha256_digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1
      || len != out.size())
    throw std::runtime_error("sha256: OpenSSL EVP_Digest failed");
  return out;
}

sha256_digest hmac_sha256(std::string_view key, std::string_view message) {
  sha256_digest out{};
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(),
            &len)
      || len != out.size())
    throw std::runtime_error("hmac_sha256: OpenSSL HMAC failed");
  return out;
}

} // namespace xinyu::core
