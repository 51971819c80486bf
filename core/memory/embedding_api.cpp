// The OpenAI-compatible /embeddings wire format. Pure; must never open a connection.
#include "core/memory/embedding_api.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace xinyu::core {

std::string embedding_request_body(std::string_view model, std::string_view text) {
  return nlohmann::json{{"model", model}, {"input", text}}.dump(
    -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::vector<float>> parse_embedding_response(std::string_view body,
                                                           std::string& error) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "embeddings response is not a JSON object";
    return std::nullopt;
  }
  if (j.contains("error")) {
    const auto& e = j["error"];
    error = "embeddings endpoint error: "
            + (e.is_object() && e.contains("message") && e["message"].is_string()
                 ? e["message"].get<std::string>()
                 : e.dump());
    return std::nullopt;
  }
  if (!j.contains("data") || !j["data"].is_array() || j["data"].empty() || !j["data"][0].is_object()
      || !j["data"][0].contains("embedding") || !j["data"][0]["embedding"].is_array()
      || j["data"][0]["embedding"].empty()) {
    error = "embeddings response has no data[0].embedding";
    return std::nullopt;
  }
  std::vector<float> v;
  double norm = 0;
  for (const auto& x : j["data"][0]["embedding"]) {
    if (!x.is_number()) {
      error = "embeddings response has a non-number in the vector";
      return std::nullopt;
    }
    auto f = x.get<double>();
    v.push_back(static_cast<float>(f));
    norm += f * f;
  }
  if (norm <= 0 || !std::isfinite(norm)) {
    error = "embeddings response is a zero or non-finite vector";
    return std::nullopt;
  }
  auto inv = static_cast<float>(1.0 / std::sqrt(norm));
  for (auto& f : v)
    f *= inv;
  return v;
}

} // namespace xinyu::core
