// Makes transport's gateway_api from a gateway actor handle (used where the graph is wired).
// Must never be included by transport: it names CAF types.
#pragma once

#include "actors/gateway.hpp"
#include "actors/gateway_api.hpp"

namespace xinyu::actors {

/// Calls become `anon_send`s to `gateway`.
gateway_api_ptr make_gateway_api(gateway_actor gateway);

} // namespace xinyu::actors
