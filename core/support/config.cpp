// Loads the typed server configuration: the struct's defaults, a JSON file, XINYU_* variables,
// each key checked by the one key table, then the rules that tie keys together.
// Must never exit the process: errors are returned as values.
#include "core/support/config.hpp"

#include "core/support/config_keys.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace xinyu::core {

using nlohmann::json;

namespace {

std::string pointer_of(const std::string& path) {
  std::string p = "/" + path;
  for (auto& c : p)
    if (c == '.')
      c = '/';
  return p;
}

json defaults_doc() {
  json doc = json::object();
  const config defaults{};
  for (const auto& k : config_keys())
    doc[json::json_pointer{pointer_of(k.path)}] = k.get(defaults);
  return doc;
}

bool is_object_leaf(const std::string& path) {
  for (const auto& k : config_keys())
    if (k.path == path)
      return k.object_leaf;
  return false;
}

/// "line 3, column 14" of byte offset `byte` (1-based, as nlohmann reports it) in `text`.
std::string position_of(const std::string& text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column; // count characters, not UTF-8 continuation bytes
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Copies `src` over `dst`, rejecting keys the defaults do not have.
void merge(json& dst, const json& src, const std::string& prefix, std::string& err) {
  for (auto it = src.begin(); it != src.end() && err.empty(); ++it) {
    std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (!dst.contains(it.key())) {
      err = "unknown configuration key '" + key + "'";
      return;
    }
    auto& d = dst[it.key()];
    if (d.is_object() && !is_object_leaf(key)) {
      if (!it->is_object()) {
        err = "configuration key '" + key + "' must be an object";
        return;
      }
      merge(d, *it, key, err);
    } else {
      d = *it;
    }
  }
}

} // namespace

std::string default_config_json() { return defaults_doc().dump(2); }

std::string describe_config_keys() {
  std::string out;
  const config defaults{};
  for (const auto& k : config_keys()) {
    auto def = k.secret ? std::string{"\"\""} : k.get(defaults).dump();
    if (def.size() > 40)
      def = def.substr(0, 37) + "...";
    out += "  " + std::string{k.path} + " = " + def + "\n      " + k.help + " [env " + k.env_name()
           + "]\n";
  }
  return out;
}

std::string describe_config_markdown() {
  std::string out =
    "# Configuration keys\n\n"
    "Generated from the key table in `core/support/config_keys.cpp` (`xinyu-server "
    "--config-docs`); a test fails when this file and the table differ. Every key can also be "
    "set with the environment variable shown (JSON values; strings may be given bare).\n\n"
    "| key | default | range | environment | meaning |\n| --- | --- | --- | --- | --- |\n";
  const config defaults{};
  auto cell = [](std::string s) {
    std::string o;
    for (char c : s)
      o += c == '|' ? std::string{"\\|"} : std::string(1, c);
    return o;
  };
  for (const auto& k : config_keys()) {
    auto def = k.get(defaults).dump();
    if (def.size() > 60)
      def = def.substr(0, 57) + "...";
    std::string range;
    if (k.min != 0 || k.max != 0) {
      std::ostringstream os;
      os << k.min << " .. " << k.max;
      range = os.str();
    }
    out += "| `" + std::string{k.path} + "` | `" + cell(def) + "` | " + range + " | `"
           + k.env_name() + "` | " + cell(k.help) + " |\n";
  }
  return out;
}

config_result load_config(const std::string& json_text,
                          const std::map<std::string, std::string>& env) {
  config_result res;
  json doc = defaults_doc();
  if (!json_text.empty()) {
    json user;
    try {
      user = json::parse(json_text, nullptr, true, /*ignore_comments=*/true);
    } catch (const json::parse_error& e) {
      res.error = "configuration is not valid JSON at " + position_of(json_text, e.byte);
      return res;
    } catch (const json::exception& e) {
      // e.g. out_of_range 406: a number too large for a double ("1e999").
      res.error = std::string{"configuration is not valid JSON: "} + e.what();
      return res;
    }
    if (!user.is_object()) {
      res.error = "configuration must be a JSON object";
      return res;
    }
    merge(doc, user, "", res.error);
    if (!res.error.empty())
      return res;
  }
  for (const auto& [name, value] : env) {
    if (name.rfind("XINYU_", 0) != 0)
      continue;
    const config_key* match = nullptr;
    for (const auto& k : config_keys())
      if (k.env_name() == name)
        match = &k;
    if (!match)
      continue; // other XINYU_* variables (API keys, test knobs) are not config keys
    json v = json::parse(value, nullptr, false);
    if (v.is_discarded() || (match->get(config{}).is_string() && !v.is_string()))
      v = value;
    doc[json::json_pointer{pointer_of(match->path)}] = v;
  }

  config c;
  std::string& err = res.error;
  for (const auto& k : config_keys())
    if (!k.set(doc.at(json::json_pointer{pointer_of(k.path)}), c, err))
      return res;
  if (!c.admin.listen.empty()) {
    auto colon = c.admin.listen.rfind(':');
    bool ok = colon != std::string::npos && colon > 0 && colon + 1 < c.admin.listen.size();
    for (std::size_t i = colon + 1; ok && i < c.admin.listen.size(); ++i)
      ok = std::isdigit(static_cast<unsigned char>(c.admin.listen[i])) != 0;
    if (!ok || std::stoul(c.admin.listen.substr(colon + 1)) > 65535) {
      err = "configuration key 'admin.listen' must be host:port (e.g. 127.0.0.1:9090), got '"
            + c.admin.listen + "'";
      return res;
    }
  }
  if (!c.admin.token.empty() && c.admin.token.size() < 16) {
    err = "configuration key 'admin.token' must be at least 16 bytes";
    return res;
  }
  if (c.safety.guard.shape != "chat" && c.safety.guard.shape != "moderations") {
    err = "configuration key 'safety.guard.shape' must be \"chat\" or \"moderations\", got '"
          + c.safety.guard.shape + "'";
    return res;
  }
  for (auto [key, m] :
       {std::pair{"emotion.model", &c.emotion.model}, std::pair{"safety.model", &c.safety.model}})
    if (!m->empty() && *m != "auto" && !m->ends_with(".bin") && !m->ends_with(".ftz")) {
      err = std::string{"configuration key '"} + key
            + "' must be 'auto', empty, or name a fastText .bin or .ftz file, got '" + *m + "'";
      return res;
    }
  if (c.log.level != "debug" && c.log.level != "info" && c.log.level != "warn"
      && c.log.level != "error") {
    err = "configuration key 'log.level' must be \"debug\", \"info\", \"warn\" or \"error\", got \""
          + c.log.level + "\"";
    return res;
  }
  if (c.server.tls_cert.empty() != c.server.tls_key.empty()) {
    err = "server.tls_cert and server.tls_key go together: set both (TLS) or neither (plain)";
    return res;
  }
  if (c.storage.backend != "rocksdb" && c.storage.backend != "postgres") {
    err = "configuration key 'storage.backend' must be \"rocksdb\" or \"postgres\", got \""
          + c.storage.backend + "\"";
    return res;
  }
  if (c.storage.backend == "postgres" && c.storage.postgres.empty()) {
    err = "storage.backend is \"postgres\" but storage.postgres (a libpq connection string) is "
          "empty";
    return res;
  }
  if (!c.cluster.redis.empty() && c.storage.backend != "postgres") {
    err = "cluster.redis is set (cluster mode) but storage.backend is not \"postgres\": nodes "
          "can only share conversations through PostgreSQL";
    return res;
  }
  if (c.storage.path.empty()) {
    err = "configuration key 'storage.path' must not be empty";
    return res;
  }
  if (c.llm.provider != "offline" && c.llm.provider != "openai") {
    err = "configuration key 'llm.provider' must be \"offline\" or \"openai\", got \""
          + c.llm.provider + "\"";
    return res;
  }
  if (c.llm.provider == "openai" && c.llm.endpoints.empty()) {
    err = "llm.provider is \"openai\" but llm.endpoints is empty";
    return res;
  }
  if (c.offline.reply_reserve + 256 > c.offline.context_window) {
    err = "offline.reply_reserve must leave at least 256 tokens of offline.context_window for "
          "the prompt";
    return res;
  }
  if (c.limits.max_text_bytes + 256 > c.transport.max_frame_bytes) {
    err = "limits.max_text_bytes must be at least 256 bytes below transport.max_frame_bytes, so "
          "that oversize text gets error too_large instead of a closed connection";
    return res;
  }
  if (c.transport.max_queued_frames < c.llm.max_tokens + 16) {
    err = "transport.max_queued_frames (" + std::to_string(c.transport.max_queued_frames)
          + ") must be at least llm.max_tokens + 16 (" + std::to_string(c.llm.max_tokens + 16)
          + "): one whole reply may arrive at once, and a bound below it would close healthy "
            "clients";
    return res;
  }
  bool loopback = c.server.host == "127.0.0.1" || c.server.host == "::1"
                  || c.server.host == "localhost" || c.server.host.rfind("127.", 0) == 0;
  if (c.auth.secret.empty() && !loopback) {
    err = "server.host is '" + c.server.host
          + "' but auth.secret is empty: dev mode (no auth secret) listens on loopback only";
    return res;
  }
  if (!c.auth.secret.empty() && c.auth.secret.size() < 16) {
    err = "auth.secret must be at least 16 bytes (use 32 or more random bytes, e.g. from "
          "`openssl rand -base64 32`)";
    return res;
  }
  if (!c.auth.secret.empty()
      && std::set<char>(c.auth.secret.begin(), c.auth.secret.end()).size() < 8) {
    err = "auth.secret is too predictable (fewer than 8 different characters); use 32 or "
          "more random bytes, e.g. from `openssl rand -base64 32`";
    return res;
  }
  res.value = std::move(c);
  return res;
}

care_settings care_settings_of(const config::care_config& care) {
  care_settings s;
  s.disclosure = care.disclosure;
  s.disclosure_interval = std::chrono::seconds{care.disclosure_interval_s};
  s.break_after = std::chrono::seconds{care.break_after_s};
  s.break_reset = std::chrono::seconds{care.break_reset_s};
  s.disclosure_text = care.disclosure_text;
  s.break_text = care.break_text;
  s.minor_interval = std::chrono::seconds{care.minor_reminder_interval_s};
  return s;
}

config_result load_config_file(const std::string& path,
                               const std::map<std::string, std::string>& env) {
  if (path.empty())
    return load_config("", env);
  std::ifstream in{path};
  if (!in) {
    config_result r;
    r.error = "cannot read configuration file '" + path + "'";
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = load_config(ss.str(), env);
  if (!r.value)
    r.error = path + ": " + r.error;
  return r;
}

} // namespace xinyu::core
