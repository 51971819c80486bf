// Client -> server frames of protocol v1, parsed and validated into typed commands.
// Must never touch sockets or actors.
#include "core/protocol/client_frame.hpp"

#include "core/protocol/strict_json.hpp"

#include "core/support/text.hpp"

#include <nlohmann/json.hpp>

namespace xinyu::core {

using nlohmann::json;

bool is_valid_message_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64)
    return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
              || c == '.' || c == ':' || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

bool is_valid_user_id(std::string_view user, std::size_t max_bytes) noexcept {
  if (user.empty() || user.size() > max_bytes || !is_valid_utf8(user))
    return false;
  for (char c : user)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      return false;
  // C1 controls (U+0085 ...), zero-width and bidirectional controls (U+202E turns a name
  // around in a log or a page), line/paragraph separators and the BOM
  for (char32_t cp : decode_utf8(user))
    if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x200B && cp <= 0x200F)
        || (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF)
      return false;
  return true;
}

namespace {
frame_error bad(std::string msg, std::optional<std::string> id = std::nullopt);
} // namespace

std::variant<std::string, frame_error> parse_memory_text(const nlohmann::json& j,
                                                         const frame_limits& limits) {
  auto t = j.find("text");
  if (t == j.end() || !t->is_string() || is_blank(t->get_ref<const std::string&>()))
    return bad("field 'text' must be a non-empty string: the fact as it should be remembered");
  if (t->get_ref<const std::string&>().size() > limits.max_text_bytes)
    return frame_error{"too_large",
                       "text is over the limit of " + std::to_string(limits.max_text_bytes)
                         + " bytes",
                       std::nullopt};
  return t->get<std::string>();
}

std::variant<memory_ref, frame_error> parse_memory_ref(std::string_view id) {
  if (auto ref = parse_memory_id(id))
    return *ref;
  return bad("a memory id is \"<turn>.<index>\" as the memories frame lists it, such as \"12.0\"");
}

namespace {

frame_error bad(std::string msg, std::optional<std::string> id) {
  return frame_error{"bad_request", std::move(msg), std::move(id)};
}

// Reads a required message id; on failure returns the error.
std::optional<frame_error> read_id(const json& j, std::string& out) {
  auto it = j.find("id");
  if (it == j.end())
    return bad("missing field 'id'");
  if (!it->is_string())
    return bad("field 'id' must be a string");
  out = it->get<std::string>();
  if (!is_valid_message_id(out))
    return bad("field 'id' must be 1-64 characters of [A-Za-z0-9_.:-]");
  return std::nullopt;
}

// Reads an optional non-negative integer field.
std::optional<frame_error> read_uint(const json& j, const char* name,
                                     std::optional<std::uint64_t>& out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null())
    return std::nullopt;
  if (!it->is_number_integer()
      || (it->is_number_integer() && !it->is_number_unsigned() && it->get<std::int64_t>() < 0))
    return bad(std::string{"field '"} + name + "' must be a non-negative integer");
  out = it->get<std::uint64_t>();
  return std::nullopt;
}

} // namespace

std::variant<emergency_contact_command, frame_error>
parse_emergency_contact(const nlohmann::json& j) {
  emergency_contact_command c;
  if (auto clear = j.find("clear"); clear != j.end()) {
    if (!clear->is_boolean() || !clear->get<bool>())
      return bad("field 'clear' must be true (or absent)");
    c.clear = true;
    return c;
  }
  auto consent = j.find("consent");
  if (consent == j.end() || !consent->is_boolean() || !consent->get<bool>())
    return bad("an emergency contact needs \"consent\": true (the user agrees that it may be "
               "contacted when they are in danger)");
  auto text = [&j](const char* name, std::size_t max, bool required,
                   std::string& out) -> std::optional<frame_error> {
    auto it = j.find(name);
    if (it == j.end() && !required)
      return std::nullopt;
    if (it == j.end() || !it->is_string()
        || !is_valid_user_id(it->get_ref<const std::string&>(), max))
      return bad(std::string{"field '"} + name + "' must be 1-" + std::to_string(max)
                 + " bytes of text");
    out = it->get<std::string>();
    return std::nullopt;
  };
  if (auto e = text("name", 100, true, c.name))
    return *e;
  if (auto e = text("phone", 40, true, c.phone))
    return *e;
  if (c.phone.find_first_not_of("0123456789 +-().") != std::string::npos)
    return bad("field 'phone' may hold digits, spaces and + - ( ) . only");
  if (auto e = text("relation", 50, false, c.relation))
    return *e;
  return c;
}

parsed_frame parse_client_frame(std::string_view frame, const frame_limits& limits) {
  if (!is_valid_utf8(frame))
    return bad("frame is not valid UTF-8");
  bool duplicate = false;
  json j = parse_strict_json(frame, duplicate);
  if (duplicate)
    return bad("frame repeats a key; every key may appear once");
  if (j.is_discarded())
    return bad("frame is not valid JSON");
  if (!j.is_object())
    return bad("frame must be a JSON object");
  auto type_it = j.find("type");
  if (type_it == j.end())
    return bad("missing field 'type'");
  if (!type_it->is_string())
    return bad("field 'type' must be a string");
  const auto& type = type_it->get_ref<const std::string&>();

  if (type == "chat") {
    chat_command c;
    if (auto err = read_id(j, c.id))
      return *err;
    auto t = j.find("text");
    if (t == j.end())
      return bad("missing field 'text'", c.id);
    if (!t->is_string())
      return bad("field 'text' must be a string", c.id);
    c.text = t->get<std::string>();
    if (c.text.size() > limits.max_text_bytes)
      return frame_error{"too_large",
                         "text is " + std::to_string(c.text.size()) + " bytes; the limit is "
                           + std::to_string(limits.max_text_bytes),
                         c.id};
    if (is_blank(c.text))
      return bad("field 'text' must not be empty", c.id);
    return c;
  }
  if (type == "auth") {
    auth_command a;
    auto tok = j.find("token");
    auto usr = j.find("user");
    if (tok != j.end()) {
      if (!tok->is_string() || tok->get_ref<const std::string&>().empty())
        return bad("field 'token' must be a non-empty string");
      a.token = tok->get<std::string>();
    }
    if (usr != j.end()) {
      if (!usr->is_string())
        return bad("field 'user' must be a string");
      a.user = usr->get<std::string>();
      if (!is_valid_user_id(a.user, limits.max_user_bytes))
        return bad("field 'user' must be 1-" + std::to_string(limits.max_user_bytes)
                   + " bytes without control characters");
    }
    if (a.token.empty() && a.user.empty())
      return bad("auth needs 'token' (or 'user' in dev mode)");
    if (auto role = j.find("role"); role != j.end()) {
      if (!role->is_string() || (*role != "user" && *role != "operator"))
        return bad("field 'role' must be \"user\" or \"operator\"");
      a.operator_role = *role == "operator";
    }
    if (auto band = j.find("age_band"); band != j.end()) {
      if (!band->is_string() || (*band != "minor" && *band != "adult"))
        return bad("field 'age_band' must be \"minor\" or \"adult\"");
      a.minor = *band == "minor";
    }
    return a;
  }
  if (type == "takeover" || type == "release" || type == "reply") {
    auto u = j.find("user");
    if (u == j.end() || !u->is_string()
        || !is_valid_user_id(u->get_ref<const std::string&>(), limits.max_user_bytes))
      return bad("field 'user' must be 1-" + std::to_string(limits.max_user_bytes)
                 + " bytes without control characters");
    std::string user = u->get<std::string>();
    if (type == "takeover")
      return takeover_command{std::move(user)};
    if (type == "release")
      return release_command{std::move(user)};
    operator_reply_command r;
    r.user = std::move(user);
    if (auto err = read_id(j, r.id))
      return *err;
    auto t = j.find("text");
    if (t == j.end() || !t->is_string() || is_blank(t->get_ref<const std::string&>()))
      return bad("field 'text' must be a non-empty string", r.id);
    r.text = t->get<std::string>();
    if (r.text.size() > limits.max_text_bytes)
      return frame_error{"too_large", "text is over the limit", r.id};
    return r;
  }
  if (type == "ping")
    return ping_command{};
  if (type == "cancel") {
    cancel_command c;
    if (auto err = read_id(j, c.id))
      return *err;
    return c;
  }
  if (type == "history") {
    history_command h;
    if (auto err = read_uint(j, "before", h.before))
      return *err;
    std::optional<std::uint64_t> limit;
    if (auto err = read_uint(j, "limit", limit))
      return *err;
    if (limit) {
      if (*limit < 1 || *limit > 100)
        return bad("field 'limit' must be between 1 and 100");
      h.limit = static_cast<std::uint32_t>(*limit);
    }
    return h;
  }
  if (type == "resume") {
    resume_command r;
    if (auto err = read_id(j, r.id))
      return *err;
    std::optional<std::uint64_t> seq;
    if (auto err = read_uint(j, "seq", seq))
      return *err;
    if (!seq)
      return bad("missing field 'seq'", r.id);
    r.seq = *seq;
    return r;
  }
  if (type == "forget")
    return forget_command{};
  if (type == "memories")
    return memories_command{};
  if (type == "memory_edit" || type == "memory_delete") {
    auto it = j.find("id");
    if (it == j.end() || !it->is_string())
      return bad("field 'id' must be a memory id such as \"12.0\" (from the memories frame)");
    auto ref = parse_memory_ref(it->get_ref<const std::string&>());
    if (auto* e = std::get_if<frame_error>(&ref))
      return *e;
    if (type == "memory_delete")
      return memory_delete_command{std::get<memory_ref>(ref)};
    auto text = parse_memory_text(j, limits);
    if (auto* e = std::get_if<frame_error>(&text))
      return *e;
    return memory_edit_command{std::get<memory_ref>(ref), std::move(std::get<std::string>(text))};
  }
  if (type == "emergency_contact") {
    auto c = parse_emergency_contact(j);
    if (auto* e = std::get_if<frame_error>(&c))
      return *e;
    return std::get<emergency_contact_command>(c);
  }
  return bad("unknown type '" + type.substr(0, 32) + "'");
}

} // namespace xinyu::core
