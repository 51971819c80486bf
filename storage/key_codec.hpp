// RocksDB key encoding: a length-prefixed user id followed by big-endian integers, so a prefix
// scan returns one user's rows in order and no two user ids can collide. Pure; no RocksDB here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xinyu::storage::keys {

/// u32be(len(user)) + user bytes. Every key of `user` starts with this, and no key of another
/// user does (even when one id is a prefix of the other, or contains any byte values).
std::string user_prefix(std::string_view user);

/// messages CF: user_prefix + u64be(turn)
std::string message_key(std::string_view user, std::uint64_t turn);

/// memories CF: user_prefix + u64be(seq)
std::string memory_key(std::string_view user, std::uint64_t seq);

/// memories CF, fact `index` (< 256) of the user message of `turn`: memory_key with
/// seq = turn << 8 | index. Its embedding is stored under the same key + 'e', so the text is
/// durable with the turn and the vector, computed later, never races it.
std::string fact_key(std::string_view user, std::uint64_t turn, unsigned index);
inline constexpr char embedding_suffix = 'e';

/// meta CF: user_prefix
inline std::string meta_key(std::string_view user) { return user_prefix(user); }

/// meta CF: a duty-of-care count of `day` (YYYY-MM-DD). Starts with u32be(0xFFFFFFFF), a
/// length no user id has, so no user's key ever equals or contains it.
std::string report_prefix();
std::string report_key(std::string_view day, std::string_view event);

/// The integer after `user`'s prefix in `key`, or nullopt when the key is not one of `user`'s.
std::optional<std::uint64_t> decode_index(std::string_view key, std::string_view user);

void append_u64be(std::string& out, std::uint64_t v);
std::uint64_t read_u64be(std::string_view bytes); // first 8 bytes

} // namespace xinyu::storage::keys
