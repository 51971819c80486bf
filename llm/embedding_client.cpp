// OpenAI-compatible /embeddings client: one blocking POST per text through json_post_client
// (deadline, kept-alive connections, circuit breaker). Never logs the key.
#include "llm/embedding_client.hpp"

#include "core/support/log.hpp"

#include "core/memory/embedding_api.hpp"
#include "core/support/metrics.hpp"
#include "llm/json_post_client.hpp"

#include <iostream>
#include <mutex>
#include <vector>

namespace xinyu::llm {

namespace {

class embedding_client final : public core::embedder {
public:
  embedding_client(embedding_endpoint ep, std::unique_ptr<json_post_client> http)
    : ep_(std::move(ep)), http_(std::move(http)) {}

  std::string model() const override {
    const auto& u = http_->url();
    return "remote:" + ep_.model + "@" + u.host + ":" + std::to_string(u.port);
  }

  std::optional<std::vector<float>> try_embed(std::string_view text) const override {
    std::string error;
    auto body = http_->post("/embeddings", core::embedding_request_body(ep_.model, text),
                            std::chrono::milliseconds{ep_.timeout_ms}, error);
    std::optional<std::vector<float>> v;
    if (body)
      v = core::parse_embedding_response(*body, error);
    std::lock_guard lock{mtx_};
    if (v) {
      metrics().ok.inc();
      logged_failure_ = false;
      return v;
    }
    (error.find("breaker open") != std::string::npos ? metrics().skipped : metrics().failed).inc();
    if (!logged_failure_) {
      core::log::error("embeddings_failed", {{"detail", error}});
      logged_failure_ = true;
    }
    return std::nullopt;
  }

private:
  struct counters {
    core::counter& ok =
      core::metrics().get_counter("xinyu_embeddings_calls_total",
                                  "calls to the embeddings endpoint", "result=\"ok\"");
    core::counter& failed =
      core::metrics().get_counter("xinyu_embeddings_calls_total",
                                  "calls to the embeddings endpoint", "result=\"failed\"");
    core::counter& skipped =
      core::metrics().get_counter("xinyu_embeddings_calls_total",
                                  "calls to the embeddings endpoint", "result=\"breaker_open\"");
  };
  static counters& metrics() {
    static counters c;
    return c;
  }

  embedding_endpoint ep_;
  std::unique_ptr<json_post_client> http_;
  mutable std::mutex mtx_;
  mutable bool logged_failure_ = false;
};

} // namespace

std::shared_ptr<const core::embedder> make_embedding_client(const embedding_endpoint& ep,
                                                            std::string& error) {
  if (ep.model.empty()) {
    error = "memory.embeddings.model must name the embeddings model when base_url is set";
    return nullptr;
  }
  json_endpoint j{ep.base_url, ep.api_key, ep.tls_verify, ep.ca_file, ep.max_idle, "embeddings"};
  auto http = json_post_client::make(j, error);
  if (!http) {
    if (error.rfind("embeddings base_url", 0) == 0)
      error =
        "memory.embeddings.base_url must be an http:// or https:// URL, got '" + ep.base_url + "'";
    return nullptr;
  }
  return std::make_shared<embedding_client>(ep, std::move(http));
}

} // namespace xinyu::llm
