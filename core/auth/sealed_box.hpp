// Seals small secrets for storage at rest (an emergency contact): AES-256-GCM by OpenSSL, a
// fresh 96-bit nonce per seal, base64 text out. Must never log a key or a plaintext.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xinyu::core {

/// The 32-byte key from its base64 text, or nullopt with `error`.
std::optional<std::string> decode_sealing_key(std::string_view base64, std::string& error);

/// base64(nonce | ciphertext | tag) of `plaintext` under the 32-byte `key`.
std::string seal(const std::string& key, std::string_view plaintext);

/// The plaintext of `sealed`, or nullopt when it was not sealed under `key` or was altered.
std::optional<std::string> open_sealed(const std::string& key, std::string_view sealed);

} // namespace xinyu::core
