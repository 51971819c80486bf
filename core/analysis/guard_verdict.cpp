// Guard model request bodies and verdict parsing (Llama Guard chat answers, /moderations).
// Pure; must never do I/O.
#include "core/analysis/guard_verdict.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace xinyu::core {

namespace {

using nlohmann::json;

void raise(safety_result& r, safety_level level, const std::string& category) {
  if (std::find(r.categories.begin(), r.categories.end(), category) == r.categories.end())
    r.categories.push_back(category);
  if (static_cast<int>(level) > static_cast<int>(r.level))
    r.level = level;
}

void apply_llama_guard_code(safety_result& r, const std::string& code) {
  if (code == "S11")
    raise(r, safety_level::crisis, "self_harm");
  else if (code == "S1" || code == "S9")
    raise(r, safety_level::crisis, "violence");
  else if (code == "S4")
    raise(r, safety_level::blocked, "sexual_minors");
  else if (code == "S7")
    raise(r, safety_level::caution, "pii");
  else if (code == "S10")
    raise(r, safety_level::caution, "harassment");
  else
    raise(r, safety_level::caution, "guard");
}

void apply_moderation_category(safety_result& r, const std::string& c) {
  if (c.rfind("self-harm", 0) == 0 || c.rfind("self_harm", 0) == 0)
    raise(r, safety_level::crisis, "self_harm");
  else if (c == "harassment/threatening" || c == "hate/threatening")
    raise(r, safety_level::crisis, "violence");
  else if (c == "sexual/minors")
    raise(r, safety_level::blocked, "sexual_minors");
  else if (c.rfind("violence", 0) == 0)
    raise(r, safety_level::caution, "violence");
  else if (c.rfind("harassment", 0) == 0 || c.rfind("hate", 0) == 0)
    raise(r, safety_level::caution, "harassment");
  else
    raise(r, safety_level::caution, "guard");
}

} // namespace

std::optional<guard_shape> parse_guard_shape(std::string_view s) {
  if (s == "chat")
    return guard_shape::chat;
  if (s == "moderations")
    return guard_shape::moderations;
  return std::nullopt;
}

std::string guard_path(guard_shape shape) {
  return shape == guard_shape::chat ? "/chat/completions" : "/moderations";
}

std::string guard_request_body(guard_shape shape, std::string_view model, std::string_view text) {
  json body;
  if (!model.empty())
    body["model"] = model;
  if (shape == guard_shape::chat) {
    body["messages"] = json::array({{{"role", "user"}, {"content", text}}});
    body["max_tokens"] = 20;
    body["temperature"] = 0;
    body["stream"] = false;
  } else {
    body["input"] = text;
  }
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<safety_result> parse_guard_response(guard_shape shape, std::string_view body,
                                                  std::string& error) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = "the guard's answer is not a JSON object";
    return std::nullopt;
  }
  safety_result r;
  if (shape == guard_shape::chat) {
    const json* content = nullptr;
    if (doc.contains("choices") && doc["choices"].is_array() && !doc["choices"].empty()) {
      const auto& c = doc["choices"][0];
      if (c.contains("message") && c["message"].is_object() && c["message"].contains("content")
          && c["message"]["content"].is_string())
        content = &c["message"]["content"];
    }
    if (!content) {
      error = "the guard's answer has no choices[0].message.content";
      return std::nullopt;
    }
    std::string text = content->get<std::string>();
    for (auto& ch : text)
      if (ch == ',')
        ch = ' ';
    std::istringstream in{text};
    std::string word;
    in >> word;
    std::transform(word.begin(), word.end(), word.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (word == "safe")
      return r;
    if (word != "unsafe") {
      error = "the guard answered neither 'safe' nor 'unsafe'";
      return std::nullopt;
    }
    bool any = false;
    while (in >> word) {
      std::transform(word.begin(), word.end(), word.begin(),
                     [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      apply_llama_guard_code(r, word);
      any = true;
    }
    if (!any)
      raise(r, safety_level::caution, "guard");
    return r;
  }
  if (!doc.contains("results") || !doc["results"].is_array() || doc["results"].empty()
      || !doc["results"][0].is_object()) {
    error = "the guard's answer has no results[0]";
    return std::nullopt;
  }
  const auto& res = doc["results"][0];
  if (res.contains("categories") && res["categories"].is_object())
    for (const auto& [name, flagged] : res["categories"].items())
      if (flagged.is_boolean() && flagged.get<bool>())
        apply_moderation_category(r, name);
  if (r.level == safety_level::ok && res.value("flagged", false))
    raise(r, safety_level::caution, "guard");
  return r;
}

} // namespace xinyu::core
