// One blocking JSON POST at a time per caller to an HTTP(S) endpoint, with a deadline, a small
// pool of kept-alive connections and a circuit breaker: what the /embeddings and guard clients
// share. Must never be called from a CAF scheduler thread (its callers run detached).
#pragma once

#include "llm/endpoint_url.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace xinyu::llm {

struct json_endpoint {
  std::string base_url; // http(s)://host[:port][/path]
  std::string api_key;  // sent as a Bearer token when non-empty
  bool tls_verify = true;
  std::string ca_file;   // empty: the system's trust store
  unsigned max_idle = 8; // kept-alive connections
  std::string name;      // for errors: "embeddings", "safety guard"
};

class json_post_client {
public:
  /// Null with `error` when the URL is not http(s) or TLS cannot be set up.
  static std::unique_ptr<json_post_client> make(const json_endpoint& ep, std::string& error);
  ~json_post_client();

  /// POSTs `body` to base_url + `path`; the response body on HTTP 200, else nullopt with `error`
  /// (a timeout, a refused connection, another status, or the breaker open after failures).
  std::optional<std::string> post(const std::string& path, const std::string& body,
                                  std::chrono::milliseconds timeout, std::string& error) const;

  const endpoint_url& url() const;

private:
  json_post_client() = default;
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace xinyu::llm
