// Streaming client for OpenAI-compatible chat.completions endpoints (vLLM, llama.cpp, Ollama,
// DeepSeek, OpenAI): a fallback chain with retries, circuit breakers and a concurrency bound.
// No Beast types here; the API key is read from the environment and never logged.
#pragma once

#include "core/support/config.hpp"
#include "llm/provider.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace xinyu::llm {

/// One endpoint of the chain: config key llm.endpoints[] (core/support/config.hpp).
using endpoint_config = core::config::endpoint;
/// The client's settings are the config's llm section itself (a slice, not a copy):
/// connect_timeout_ms, attempt_first_token_ms (per attempt), stall_deadline_ms (between
/// tokens on the chain's last endpoint; 3/4 of it while a next endpoint could continue the
/// reply, so the client moves on before the session's own stall deadline ends it),
/// max_attempts, backoff, breaker, max_streams, queue, pool_per_endpoint, drain_body_ms,
/// temperature, tls_verify, ca_file, stream_usage.
using upstream_config = core::config::llm_config;

class upstream_client : public provider {
public:
  /// Validates the config (URLs, keys present in the environment, TLS set-up) and starts the
  /// client's I/O thread. On failure returns null and sets `error`.
  static std::unique_ptr<upstream_client> make(const upstream_config& cfg, std::string& error);

  ~upstream_client() override = default;
};

} // namespace xinyu::llm
