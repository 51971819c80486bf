// The escalation webhook over HTTP(S): one POST per call through json_post_client (deadline,
// kept-alive connections). Must never retry here: the escalation actor does.
#include "llm/webhook_client.hpp"

#include "llm/json_post_client.hpp"

namespace xinyu::llm {

namespace {

class webhook_client final : public core::webhook {
public:
  explicit webhook_client(std::unique_ptr<json_post_client> http) : http_(std::move(http)) {}

  bool post(const std::string& json, std::chrono::milliseconds timeout,
            std::string& error) const override {
    // a URL without a path posts to "/"
    return http_->post(http_->url().path.empty() ? "/" : "", json, timeout, error).has_value();
  }

private:
  std::unique_ptr<json_post_client> http_;
};

} // namespace

std::shared_ptr<const core::webhook>
make_webhook_client(const std::string& url, const std::string& api_key, std::string& error) {
  auto http = json_post_client::make({url, api_key, true, "", 2, "care.escalation_url"}, error);
  if (!http)
    return nullptr;
  return std::make_shared<webhook_client>(std::move(http));
}

} // namespace xinyu::llm
