// AES-256-GCM sealing of small secrets at rest through OpenSSL's EVP interface. Must never log
// a key or a plaintext, and never reuse a nonce (each seal draws a fresh one).
#include "core/auth/sealed_box.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <vector>

namespace xinyu::core {

namespace {

constexpr int nonce_bytes = 12, tag_bytes = 16, key_bytes = 32;

std::string b64_encode(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> b64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0)
    return std::nullopt;
  std::string out(3 * text.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0)
    return std::nullopt;
  auto padding = static_cast<int>(text.size() - text.find_last_not_of('=') - 1);
  out.resize(static_cast<std::size_t>(n - padding));
  return out;
}

using ctx_ptr = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

} // namespace

std::optional<std::string> decode_sealing_key(std::string_view base64, std::string& error) {
  auto raw = b64_decode(base64);
  if (!raw || raw->size() != key_bytes) {
    error = "must be 32 random bytes in base64 (openssl rand -base64 32)";
    return std::nullopt;
  }
  return raw;
}

std::string seal(const std::string& key, std::string_view plaintext) {
  std::string out(nonce_bytes + plaintext.size() + tag_bytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (RAND_bytes(bytes, nonce_bytes) != 1)
    return {};
  ctx_ptr ctx{EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free};
  int len = 0;
  if (!ctx
      || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                            reinterpret_cast<const unsigned char*>(key.data()), bytes)
           != 1
      || EVP_EncryptUpdate(ctx.get(), bytes + nonce_bytes, &len,
                           reinterpret_cast<const unsigned char*>(plaintext.data()),
                           static_cast<int>(plaintext.size()))
           != 1
      || EVP_EncryptFinal_ex(ctx.get(), bytes + nonce_bytes + len, &len) != 1
      || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_bytes,
                             bytes + nonce_bytes + plaintext.size())
           != 1)
    return {};
  return b64_encode(out);
}

std::optional<std::string> open_sealed(const std::string& key, std::string_view sealed) {
  auto raw = b64_decode(sealed);
  if (!raw || raw->size() < static_cast<std::size_t>(nonce_bytes + tag_bytes)
      || key.size() != key_bytes)
    return std::nullopt;
  auto* bytes = reinterpret_cast<unsigned char*>(raw->data());
  auto text_len = raw->size() - nonce_bytes - tag_bytes;
  std::string out(text_len, '\0');
  ctx_ptr ctx{EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free};
  int len = 0;
  if (!ctx
      || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                            reinterpret_cast<const unsigned char*>(key.data()), bytes)
           != 1
      || EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                           bytes + nonce_bytes, static_cast<int>(text_len))
           != 1
      || EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag_bytes,
                             bytes + nonce_bytes + text_len)
           != 1
      || EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len)
           != 1)
    return std::nullopt; // wrong key, or altered
  return out;
}

} // namespace xinyu::core
