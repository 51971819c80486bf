// The HTTP faces of protocol v1: request parsing and frame -> SSE / OpenAI conversion.
// Pure; must never do I/O.
// Over 400 lines because every HTTP route's parsing and every OpenAI shape are read in one place.
#include "core/protocol/http_api.hpp"

#include "core/protocol/strict_json.hpp"
#include "core/protocol/trace_context.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>

namespace xinyu::core {

using nlohmann::json;

namespace {

constexpr const char* model_name = "xinyu";

std::optional<http_chat_request> fail(http_failure& err, int status, std::string code,
                                      std::string message, std::string param = {}) {
  err = http_failure{status, std::move(code), std::move(message), std::move(param)};
  return std::nullopt;
}

/// True when `obj[key]` is the string `expected`. Never throws, whatever type a client sent
/// (json::value would: the fuzzer found a "role" given as an array).
bool is_string_field(const json& obj, const char* key, std::string_view expected) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() && it->get_ref<const std::string&>() == expected;
}

/// Validates id/text exactly like the WebSocket `chat` frame does.
bool check_chat(const std::string& id, const std::string& text, const frame_limits& limits,
                chat_command& out, http_failure& err) {
  auto parsed = parse_client_frame(json{{"type", "chat"}, {"id", id}, {"text", text}}.dump(
                                     -1, ' ', false, json::error_handler_t::replace),
                                   limits);
  if (auto* e = std::get_if<frame_error>(&parsed)) {
    err = http_failure{e->code == "too_large" ? 413 : 400, e->code, e->message};
    return false;
  }
  out = std::get<chat_command>(parsed);
  return true;
}

bool check_user(const json& j, bool dev_mode, const frame_limits& limits, std::string& user,
                http_failure& err) {
  if (!dev_mode)
    return true; // the Authorization header names the user
  if (!j.contains("user") || !j["user"].is_string()) {
    err = http_failure{401, "unauthorized",
                       "this server runs in dev mode: put \"user\" in the request"};
    return false;
  }
  user = j["user"].get<std::string>();
  if (!is_valid_user_id(user, limits.max_user_bytes)) {
    err = http_failure{400, "bad_request", "field 'user' is not a valid user id"};
    return false;
  }
  return true;
}

std::string unescape_query(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '+') {
      out.push_back(' ');
    } else if (v[i] == '%' && i + 2 < v.size()) {
      int n = 0;
      auto [p, ec] = std::from_chars(v.data() + i + 1, v.data() + i + 3, n, 16);
      if (ec == std::errc{} && p == v.data() + i + 3) {
        out.push_back(static_cast<char>(n));
        i += 2;
      } else {
        out.push_back(v[i]);
      }
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

} // namespace

std::string http_failure::body() const {
  // OpenAI's error types by status (what its SDKs and platforms look at besides the status)
  const char* type = status == 401   ? "authentication_error"
                     : status == 403 ? "permission_error"
                     : status == 429 ? "rate_limit_error"
                     : status >= 500 ? "server_error"
                                     : "invalid_request_error";
  return json{{"error",
               {{"code", code},
                {"message", message},
                {"type", type},
                {"param", param.empty() ? json(nullptr) : json(param)}}}}
    .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<http_chat_request> parse_http_chat(std::string_view body, bool dev_mode,
                                                 const frame_limits& limits, http_failure& err) {
  bool duplicate = false;
  auto j = parse_strict_json(body, duplicate);
  if (duplicate)
    return fail(err, 400, "bad_request", "the body repeats a key; every key may appear once");
  if (j.is_discarded() || !j.is_object())
    return fail(err, 400, "bad_request", "the body must be a JSON object {\"id\",\"text\"}");
  if (!j.contains("id") || !j["id"].is_string() || !j.contains("text") || !j["text"].is_string())
    return fail(err, 400, "bad_request", "fields 'id' and 'text' must be strings");
  http_chat_request r;
  if (!check_chat(j["id"].get<std::string>(), j["text"].get<std::string>(), limits, r.chat, err)
      || !check_user(j, dev_mode, limits, r.user, err))
    return std::nullopt;
  return r;
}

std::optional<http_chat_request> parse_completion_request(std::string_view body, std::string id,
                                                          bool dev_mode, const frame_limits& limits,
                                                          http_failure& err) {
  bool duplicate = false;
  auto j = parse_strict_json(body, duplicate);
  if (duplicate)
    return fail(err, 400, "bad_request", "the body repeats a key; every key may appear once");
  if (j.is_discarded() || !j.is_object())
    return fail(err, 400, "bad_request", "the body must be a JSON object");
  if (!j.contains("messages") || !j["messages"].is_array() || j["messages"].empty())
    return fail(err, 400, "bad_request", "'messages' must be a non-empty array", "messages");
  std::optional<std::string> text;
  for (auto it = j["messages"].rbegin(); it != j["messages"].rend(); ++it) {
    if (!it->is_object() || !is_string_field(*it, "role", "user") || !it->contains("content"))
      continue;
    const auto& c = (*it)["content"];
    if (c.is_string()) {
      text = c.get<std::string>();
    } else if (c.is_array()) { // [{"type":"text","text":"..."}, ...]
      std::string joined;
      for (const auto& part : c)
        if (part.is_object() && is_string_field(part, "type", "text") && part.contains("text")
            && part["text"].is_string())
          joined += (joined.empty() ? "" : "\n") + part["text"].get<std::string>();
      text = joined;
    }
    break;
  }
  if (!text)
    return fail(err, 400, "bad_request", "no message with role 'user' and text content",
                "messages");
  if (j.contains("stream") && !j["stream"].is_boolean())
    return fail(err, 400, "bad_request", "'stream' must be true or false", "stream");
  http_chat_request r;
  r.stream = j.value("stream", false);
  if (auto so = j.find("stream_options"); so != j.end() && !so->is_null()) {
    if (!so->is_object() || (so->contains("include_usage") && !(*so)["include_usage"].is_boolean()))
      return fail(err, 400, "bad_request",
                  "'stream_options' must be an object; its 'include_usage' true or false",
                  "stream_options");
    r.include_usage = so->value("include_usage", false);
  }
  // max_completion_tokens is the current name, max_tokens the older one; either bounds the
  // reply (the server's own llm.max_tokens still applies when it is lower)
  std::optional<unsigned> max_tokens;
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    auto m = j.find(key);
    if (m == j.end() || m->is_null())
      continue;
    if (!m->is_number_integer() || m->get<std::int64_t>() < 1)
      return fail(err, 400, "bad_request",
                  std::string{"'"} + key + "' must be a whole number of 1 or more", key);
    auto n = static_cast<unsigned>(std::min<std::int64_t>(m->get<std::int64_t>(), 1 << 30));
    max_tokens = max_tokens ? std::min(*max_tokens, n) : n;
  }
  // a platform's helper prompt (title, tags, ...) is answered by rule and never becomes a turn;
  // it may quote a long history, so the text limit applies only to real chats
  std::string system_text;
  for (const auto& m : j["messages"])
    if (m.is_object() && is_string_field(m, "role", "system") && m.contains("content")
        && m["content"].is_string())
      system_text += m["content"].get<std::string>() + "\n";
  r.task = recognise_platform_task(system_text, *text);
  if (r.task) {
    if (!check_user(j, dev_mode, limits, r.user, err))
      return std::nullopt;
    r.chat.id = std::move(id);
    r.chat.text = *text; // for the usage count only
  } else if (!check_chat(id, *text, limits, r.chat, err)
             || !check_user(j, dev_mode, limits, r.user, err)) {
    return std::nullopt;
  }
  r.chat.max_tokens = max_tokens;
  // stop: a string or up to 4 strings (OpenAI's rule), each 1..128 bytes
  if (auto st = j.find("stop"); st != j.end() && !st->is_null()) {
    auto bad = [&] {
      return fail(err, 400, "bad_request",
                  "'stop' must be a string or an array of up to 4 strings of 1 to 128 bytes",
                  "stop");
    };
    std::vector<std::string> stops;
    if (st->is_string()) {
      stops.push_back(st->get<std::string>());
    } else if (st->is_array() && st->size() <= 4) {
      for (const auto& v : *st) {
        if (!v.is_string())
          return bad();
        stops.push_back(v.get<std::string>());
      }
    } else {
      return bad();
    }
    for (const auto& s : stops)
      if (s.empty() || s.size() > 128)
        return bad();
    r.chat.stop = std::move(stops);
  }
  return r;
}

namespace {
/// The key=value pairs of a URL query, unescaped, in order.
std::vector<std::pair<std::string, std::string>> query_pairs(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    out.emplace_back(unescape_query(pair.substr(0, eq)), eq == std::string_view::npos
                                                           ? std::string{}
                                                           : unescape_query(pair.substr(eq + 1)));
  }
  return out;
}

/// Dev mode names the user in `?user=`: required and valid, else `err`.
bool dev_user(const std::optional<std::string>& user, const frame_limits& limits, std::string& out,
              http_failure& err) {
  if (!user) {
    err = http_failure{401, "unauthorized", "this server runs in dev mode: add ?user=<name>"};
    return false;
  }
  if (!is_valid_user_id(*user, limits.max_user_bytes)) {
    err = http_failure{400, "bad_request", "'user' is not a valid user id"};
    return false;
  }
  out = *user;
  return true;
}
} // namespace

std::optional<http_history_request> parse_http_history(std::string_view query, bool dev_mode,
                                                       const frame_limits& limits,
                                                       http_failure& err) {
  http_history_request r;
  json frame{{"type", "history"}};
  std::optional<std::string> user;
  for (auto& [key, value] : query_pairs(query)) {
    if (key == "user") {
      user = value;
    } else if (key == "before" || key == "limit") {
      std::int64_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || p != value.data() + value.size()) {
        err = http_failure{400, "bad_request", "'" + key + "' must be a number"};
        return std::nullopt;
      }
      frame[key] = n;
    } else if (!key.empty()) {
      err = http_failure{400, "bad_request", "unknown query parameter '" + key + "'"};
      return std::nullopt;
    }
  }
  auto parsed = parse_client_frame(frame.dump(), limits);
  if (auto* e = std::get_if<frame_error>(&parsed)) {
    err = http_failure{400, e->code, e->message};
    return std::nullopt;
  }
  r.history = std::get<history_command>(parsed);
  if (dev_mode && !dev_user(user, limits, r.user, err))
    return std::nullopt;
  return r;
}

std::optional<http_memories_request>
parse_http_memories(std::string_view method, std::string_view path, std::string_view query,
                    std::string_view body, bool dev_mode, const frame_limits& limits,
                    http_failure& err, std::string& allow) {
  constexpr std::string_view base = "/v1/memories";
  http_memories_request r;
  bool one = path.size() > base.size() + 1 && path.starts_with("/v1/memories/");
  if (!one && path != base) {
    err = http_failure{404, "not_found", "no such path"};
    return std::nullopt;
  }
  allow = one ? "PATCH, DELETE" : "GET";
  if ((!one && method != "GET") || (one && method != "PATCH" && method != "DELETE")) {
    err = http_failure{405, "bad_request", "use " + allow};
    return std::nullopt;
  }
  std::optional<std::string> user;
  for (auto& [key, value] : query_pairs(query)) {
    if (key == "user") {
      user = value;
    } else if (!key.empty()) {
      err = http_failure{400, "bad_request", "unknown query parameter '" + key + "'"};
      return std::nullopt;
    }
  }
  if (dev_mode && !dev_user(user, limits, r.user, err))
    return std::nullopt;
  if (!one) {
    r.command = memories_command{};
    return r;
  }
  auto ref = parse_memory_ref(unescape_query(path.substr(base.size() + 1)));
  if (auto* e = std::get_if<frame_error>(&ref)) {
    err = http_failure{404, "not_found", e->message};
    return std::nullopt;
  }
  if (method == "DELETE") {
    r.command = memory_delete_command{std::get<memory_ref>(ref)};
    return r;
  }
  if (body.size() > limits.max_text_bytes * 2 + 1024) {
    err = http_failure{413, "too_large", "the body is over the limit"};
    return std::nullopt;
  }
  auto j = json::parse(body, nullptr, false);
  if (!j.is_object()) {
    err = http_failure{400, "bad_request", "the body must be a JSON object: {\"text\": ...}"};
    err.param = "text";
    return std::nullopt;
  }
  auto text = parse_memory_text(j, limits);
  if (auto* e = std::get_if<frame_error>(&text)) {
    err = http_failure{http_status_for(e->code), e->code, e->message};
    err.param = "text";
    return std::nullopt;
  }
  r.command =
    memory_edit_command{std::get<memory_ref>(ref), std::move(std::get<std::string>(text))};
  return r;
}

namespace {
/// Reads `"key":"value"` at the front of `rest` when the value has no escapes; advances `rest`.
bool take_plain_field(std::string_view& rest, std::string_view key, std::string& value) {
  std::string prefix = "\"" + std::string{key} + "\":\"";
  if (!rest.starts_with(prefix))
    return false;
  auto start = prefix.size();
  auto end = rest.find('"', start);
  if (end == std::string_view::npos
      || rest.substr(start, end - start).find('\\') != std::string_view::npos)
    return false;
  value.assign(rest.substr(start, end - start));
  rest.remove_prefix(end + 1);
  return true;
}
/// Server frames start {"type":"<type>"[,"id":"<id>"]; read that without a parser when the
/// strings have no escapes (protocol ids never do). nullopt: anything else.
std::optional<frame_head> peek_fast(std::string_view rest) {
  frame_head h;
  if (!rest.starts_with("{"))
    return std::nullopt;
  rest.remove_prefix(1);
  if (!take_plain_field(rest, "type", h.type))
    return std::nullopt;
  if (rest.starts_with(",\"id\"")) {
    rest.remove_prefix(1);
    if (!take_plain_field(rest, "id", h.id))
      return std::nullopt;
  } else if (rest.find("\"id\":") != std::string_view::npos) {
    return std::nullopt; // an id further on (error frames): the parser finds it
  }
  return h;
}

} // namespace

frame_head peek_frame(std::string_view frame) {
  if (auto h = peek_fast(frame)) // per token: no JSON parser
    return *h;
  frame_head h;
  auto j = json::parse(frame, nullptr, false);
  if (!j.is_object())
    return h;
  if (j.contains("type") && j["type"].is_string())
    h.type = j["type"].get<std::string>();
  if (j.contains("id") && j["id"].is_string())
    h.id = j["id"].get<std::string>();
  return h;
}

std::string sse_event(std::string_view type, std::string_view frame) {
  std::string out;
  out.reserve(frame.size() + type.size() + 16);
  out += "event: ";
  out += type;
  out += "\ndata: ";
  out += frame; // server frames are single-line JSON
  out += "\n\n";
  return out;
}

int http_status_for(std::string_view code) {
  if (code == "bad_request")
    return 400;
  if (code == "unauthorized")
    return 401;
  if (code == "not_found")
    return 404;
  if (code == "too_large")
    return 413;
  if (code == "busy" || code == "rate_limited")
    return 429;
  if (code == "overloaded")
    return 503;
  return 500;
}

std::string models_list(std::int64_t created) {
  return json{
    {"object", "list"},
    {"data",
     json::array(
       {{{"id", model_name}, {"object", "model"}, {"created", created}, {"owned_by", "xinyu"}}})}}
    .dump();
}

std::optional<std::string> model_object(std::string_view id, std::int64_t created) {
  if (id != model_name)
    return std::nullopt;
  return json{{"id", model_name}, {"object", "model"}, {"created", created}, {"owned_by", "xinyu"}}
    .dump();
}

std::string_view openai_finish(std::string_view finish) {
  return finish == "length" ? "length" : "stop";
}

std::string completion_chunk(std::string_view id, std::int64_t created, std::string_view content,
                             bool first, std::optional<std::string_view> finish) {
  json delta = json::object();
  if (first)
    delta["role"] = "assistant";
  if (!content.empty() || !finish)
    delta["content"] = content;
  json j{{"id", id},
         {"object", "chat.completion.chunk"},
         {"created", created},
         {"model", model_name},
         {"choices", json::array({{{"index", 0},
                                   {"delta", std::move(delta)},
                                   {"finish_reason", finish ? json(*finish) : json(nullptr)}}})}};
  return "data: " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

namespace {

json usage_object(std::size_t prompt_tokens, std::size_t completion_tokens) {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

} // namespace

std::string completion_object(std::string_view id, std::int64_t created, std::string_view content,
                              std::string_view finish, std::size_t prompt_tokens,
                              std::size_t completion_tokens) {
  json j{{"id", id},
         {"object", "chat.completion"},
         {"created", created},
         {"model", model_name},
         {"choices", json::array({{{"index", 0},
                                   {"message", {{"role", "assistant"}, {"content", content}}},
                                   {"finish_reason", openai_finish(finish)}}})},
         {"usage", usage_object(prompt_tokens, completion_tokens)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string completion_usage_chunk(std::string_view id, std::int64_t created,
                                   std::size_t prompt_tokens, std::size_t completion_tokens) {
  json j{{"id", id},
         {"object", "chat.completion.chunk"},
         {"created", created},
         {"model", model_name},
         {"choices", json::array()},
         {"usage", usage_object(prompt_tokens, completion_tokens)}};
  return "data: " + j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

std::string new_completion_id() { return "chatcmpl-" + new_trace().trace_id.substr(0, 24); }

} // namespace xinyu::core
