// The safety guard client: one JSON POST per message, its answer read by core/guard_verdict.
// Blocking; never logs the key or the message.
#include "llm/guard_client.hpp"

#include "llm/json_post_client.hpp"

namespace xinyu::llm {

namespace {

class guard_client final : public core::safety_guard {
public:
  guard_client(guard_endpoint ep, std::unique_ptr<json_post_client> http)
    : ep_(std::move(ep)), http_(std::move(http)) {}

  std::optional<core::safety_result> ask(std::string_view text, std::string& error) const override {
    auto body =
      http_->post(core::guard_path(ep_.shape), core::guard_request_body(ep_.shape, ep_.model, text),
                  std::chrono::milliseconds{ep_.timeout_ms}, error);
    if (!body)
      return std::nullopt;
    return core::parse_guard_response(ep_.shape, *body, error);
  }

private:
  guard_endpoint ep_;
  std::unique_ptr<json_post_client> http_;
};

} // namespace

std::shared_ptr<const core::safety_guard> make_guard_client(const guard_endpoint& ep,
                                                            std::string& error) {
  if (ep.shape == core::guard_shape::chat && ep.model.empty()) {
    error = "safety.guard.model must name the guard model for the chat shape";
    return nullptr;
  }
  auto http = json_post_client::make({ep.base_url, ep.api_key, true, "", 8, "safety.guard"}, error);
  if (!http)
    return nullptr;
  return std::make_shared<guard_client>(ep, std::move(http));
}

} // namespace xinyu::llm
