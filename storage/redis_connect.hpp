// Opening a hiredis connection from a cluster.redis address ("host:port" or "unix:/path"), shared
// by the lease store and the message bus. Storage-internal; must never be included outside
// storage/.
#pragma once

#include <hiredis/hiredis.h>

#include <string>

namespace xinyu::storage {

/// A connection to `address` within `timeout_ms`, with that deadline on every command when
/// `command_timeout`; null or a context with `err` set when it cannot connect.
redisContext* redis_connect(const std::string& address, unsigned timeout_ms, bool command_timeout);

} // namespace xinyu::storage
