// Streaming client for OpenAI-compatible chat.completions endpoints (vLLM, llama.cpp, Ollama,
// DeepSeek, OpenAI): a fallback chain with retries, circuit breakers and a concurrency bound.
// No Beast types here; the API key is read from the environment and never logged.
#pragma once

#include "llm/provider.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace xinyu::llm {

struct endpoint_config {
  std::string name;     // for metrics and logs
  std::string base_url; // e.g. http://127.0.0.1:8000/v1 ; POST {base_url}/chat/completions
  std::string model;
  std::string api_key_env; // name of the environment variable holding the key ("" = none)
  // the model's window in tokens; a prompt is cut to context_window - reply_reserve for this
  // endpoint (the oldest recent turns first, core::fit_prompt) and max_tokens to what is left
  std::size_t context_window = 8192;
  std::size_t reply_reserve = 1024;
};

struct upstream_config {
  std::vector<endpoint_config> endpoints; // tried in order
  unsigned connect_timeout_ms = 3000;
  unsigned first_token_timeout_ms = 8000;    // per attempt
  unsigned stall_timeout_ms = 10000;         // between tokens, on the chain's last endpoint
  unsigned stall_before_continue_ms = 10000; // between tokens while a next endpoint could continue
  unsigned max_attempts = 2;                 // per endpoint, only before the first token
  unsigned backoff_ms = 200;
  unsigned backoff_max_ms = 2000;
  unsigned breaker_failures = 5;
  unsigned breaker_cooldown_ms = 30000;
  unsigned max_streams = 256; // upstream streams at once
  unsigned queue_max = 1024;  // waiting for a stream slot
  unsigned queue_timeout_ms = 2000;
  unsigned pool_per_endpoint = 32; // idle keep-alive connections kept
  unsigned drain_body_ms = 1000;   // after the last token, the rest of the response
  double temperature = 0.7;
  bool tls_verify = true;
  std::string ca_file;      // "" = the system CA store
  bool stream_usage = true; // ask for the usage chunk (stream_options.include_usage)
};

class upstream_client : public provider {
public:
  /// Validates the config (URLs, keys present in the environment, TLS set-up) and starts the
  /// client's I/O thread. On failure returns null and sets `error`.
  static std::unique_ptr<upstream_client> make(const upstream_config& cfg, std::string& error);

  ~upstream_client() override = default;
};

} // namespace xinyu::llm
