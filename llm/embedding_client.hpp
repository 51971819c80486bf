// Embeddings from an OpenAI-compatible /embeddings endpoint (Ollama, vLLM, llama.cpp server,
// OpenAI): blocking calls with a deadline, kept-alive connections and a circuit breaker.
// Must never be called from a CAF scheduler thread (memory workers run detached for it).
#pragma once

#include "core/memory/embedding.hpp"

#include <memory>
#include <string>

namespace xinyu::llm {

struct embedding_endpoint {
  std::string base_url; // http(s)://host[:port][/path]; "/embeddings" is appended
  std::string model;
  std::string api_key; // sent as a Bearer token when non-empty
  unsigned timeout_ms = 150;
  bool tls_verify = true;
  std::string ca_file;   // empty: the system's trust store
  unsigned max_idle = 8; // kept-alive connections
};

/// Validates the endpoint (URL, TLS set-up) and returns an embedder, or null with `error`.
std::shared_ptr<const core::embedder> make_embedding_client(const embedding_endpoint& ep,
                                                            std::string& error);

} // namespace xinyu::llm
