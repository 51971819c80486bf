// The cluster's internal form of a client command, forwarded from the node a connection is on to
// the node that owns its user (JSON over Redis pub/sub). Must never be parsed from a client: the
// client's own frames go through parse_client_frame.
#pragma once

#include "core/protocol/client_frame.hpp"

#include <nlohmann/json_fwd.hpp>

#include <optional>

namespace xinyu::core {

/// Every field of `cmd`, including what only the HTTP API sets (trace, max_tokens, stop).
nlohmann::json forwarded_command_json(const client_command& cmd);

/// The command back, or nullopt when `j` is not one forwarded_command_json made.
std::optional<client_command> forwarded_command_from_json(const nlohmann::json& j);

} // namespace xinyu::core
