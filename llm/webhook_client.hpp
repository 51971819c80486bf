// The escalation webhook over HTTP(S): core::webhook on json_post_client. Must never be called
// from a CAF scheduler thread (it blocks; the escalation actor runs detached).
#pragma once

#include "core/support/webhook.hpp"

#include <memory>
#include <string>

namespace xinyu::llm {

/// Null with `error` when `url` is not http(s) or TLS cannot be set up. `api_key`, when not
/// empty, is sent as a Bearer token.
std::shared_ptr<const core::webhook>
make_webhook_client(const std::string& url, const std::string& api_key, std::string& error);

} // namespace xinyu::llm
