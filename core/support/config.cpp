// Typed server configuration: embedded defaults, file, environment, validated.
// Must never exit the process: errors are returned as values.
#include "core/support/config.hpp"

#include "core/support/chaos.hpp"
#include "core/policy/care_notices.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace xinyu::core {

using nlohmann::json;

namespace {

struct option {
  const char* path;
  json def;
  const char* help;
  double min = 0;
  double max = 0; // min == max == 0: no numeric range
};

const std::vector<option>& options() {
  static const std::vector<option> opts = {
    {"server.host", "127.0.0.1", "address to listen on (dev mode: loopback only)"},
    {"server.port", 8080, "TCP port; 0 picks a free one (printed on stdout)", 0, 65535},
    {"server.name", "xinyu/0.1", "server name sent in the ready frame"},
    {"transport.threads", 1, "I/O threads for WebSocket/HTTP", 1, 64},
    {"transport.handshake_timeout_ms", 10000, "HTTP request / WebSocket handshake deadline", 100, 600000},
    {"transport.auth_timeout_ms", 5000, "close (1008) a connection not authenticated by then", 50, 600000},
    {"transport.max_frame_bytes", 65536, "largest WebSocket message read (bigger: close 1009)", 1024, 16777216},
    {"transport.max_queued_frames", 1024, "per-connection outbound queue; a slower reader is closed with 1013", 8, 1000000},
    {"transport.max_bad_frames", 20, "consecutive rejected frames before the connection is closed (1008)", 1, 100000},
    {"transport.pre_auth_max_frames", 16, "frames a connection may send before it authenticates (more: close 1008)", 1, 100000},
    {"transport.pre_auth_max_bytes", 16384, "bytes a connection may send before it authenticates (more: close 1008)", 64, 16777216},
    {"transport.close_timeout_ms", 2000, "a connection whose close handshake has not finished by then is dropped (a peer that never reads)", 10, 600000},
    {"transport.idle_timeout_ms", 120000, "an authenticated WebSocket is pinged after half of this without traffic and closed when the peer answers nothing for all of it (TCP keepalive on too); 0 = never", 0, 86400000},
    {"transport.max_connections", 15000, "TCP connections served at once (HTTP, WebSocket, API); more get 503 at accept (keep it below the process's fd limit)", 1, 10000000},
    {"transport.max_connections_per_ip", 2000, "connections from one IP address at once; more get 503 at accept", 1, 10000000},
    {"transport.max_connections_per_user", 32, "authenticated WebSocket connections of one user; another gets error busy and close 1008", 1, 100000},
    {"transport.allowed_origins", json::array(), "browser origins (\"https://chat.example.com\") allowed to open a WebSocket or POST to the API besides the page's own; a request with any other Origin gets 403"},
    {"transport.allowed_hosts", json::array(), "dev mode: Host names served besides localhost and loopback addresses (anything else gets 403: DNS rebinding)"},
    {"transport.http_persisted_wait_ms", 10000, "POST /v1/chat: how long after done the stream waits for persisted (storage failing) before it ends", 0, 600000},
    {"limits.max_text_bytes", 8000, "largest chat text in bytes (bigger: error too_large)", 1, 1048576},
    {"limits.max_user_bytes", 128, "longest user id in bytes", 1, 1024},
    {"limits.max_inflight_turns", 100000, "admitted, unfinished turns over all users; more: 'overloaded'", 1, 100000000},
    {"limits.chats_per_minute", 30, "chats a user may send per minute (token bucket; more: error rate_limited with retry_after_ms); 0 = unlimited", 0, 100000},
    {"limits.chat_burst", 10, "chats a user may send at once before chats_per_minute applies", 1, 100000},
    {"limits.commands_per_minute", 120, "history, forget, resume and cancel requests a user may send per minute (token bucket; more: error rate_limited with retry_after_ms); 0 = unlimited", 0, 100000},
    {"limits.command_burst", 20, "such requests a user may send at once", 1, 100000},
    {"limits.max_worker_queue", 256, "requests in flight per stage worker; when every worker is full the stage falls back at once", 1, 1000000},
    {"supervision.max_restarts", 10, "worker restarts allowed per pool within supervision.window_s ...", 1, 100000},
    {"supervision.window_s", 10, "... beyond that the pool is marked failed: its fallback is used without calling it", 1, 3600},
    {"supervision.probe_after_ms", 5000, "a failed pool respawns its workers and probes again after this", 1, 3600000},
    {"auth.secret", "", "HS256 secret for signed tokens (>= 16 bytes; XINYU_AUTH_SECRET keeps it out of files); empty = dev mode (auth frame with 'user', loopback only)"},
    {"admin.token", "", "bearer token for /admin/* (XINYU_ADMIN_TOKEN keeps it out of files); empty = /admin/* only from loopback in dev mode, and off when signed tokens are configured"},
    {"session.max_queued_turns", 8, "admitted turns a user may have waiting (more: error busy)", 1, 1000},
    {"session.recent_messages", 8, "recent messages put in the prompt", 0, 200},
    {"session.keep_turns", 50, "finished turns kept in memory per user for resume and history", 1, 10000},
    {"session.bookkeeping_deadline_ms", 5000, "deadline of a session's own requests: remember, forget, unload, the idle check", 10, 600000},
    {"session.idle_s", 300, "a session with no connection and no work for this long stops (state is in storage)", 1, 86400},
    {"storage.path", "./data", "RocksDB data directory (created if missing)"},
    {"storage.sync", true, "fsync the write-ahead log on every batch (survives power loss; costs ~1 fsync per batch)"},
    {"storage.flush_interval_ms", 2, "group commit: a batch is written at most this long after its first turn", 0, 10000},
    {"storage.batch_max", 256, "group commit: turns per write batch", 1, 100000},
    {"storage.high_water", 5000, "turns waiting for storage at which new chats get 'overloaded'", 1, 10000000},
    {"storage.retry_initial_ms", 50, "first retry delay after a failed write (doubles up to retry_max_ms)", 1, 60000},
    {"storage.retry_max_ms", 5000, "longest retry delay after failed writes", 1, 600000},
    {"storage.load_timeout_ms", 5000, "deadline for a session to load its turn counter", 1, 600000},
    {"storage.retry_after_ms", 1000, "retry_after_ms sent with 'overloaded'", 1, 600000},
    {"shutdown.drain_s", 10, "on SIGTERM/SIGINT: time for in-flight turns to finish and storage to flush", 0, 3600},
    {"chaos", json::object(), "failure injection per kind (emotion safety memory llm storage session): {crash_rate, hang_rate, fail_rate, delay_ms}; off by default"},
    {"scheduler.threads", 0, "CAF scheduler threads; 0 = one per core", 0, 256},
    {"emotion.workers", 2, "emotion analyzer workers", 1, 256},
    {"emotion.deadline_ms", 200, "emotion stage deadline; late = neutral + degraded", 1, 60000},
    {"emotion.model", "auto", "fastText emotion model (.bin/.ftz with its .json, written by xinyu-train) used beside the lexicon; 'auto' = models/emotion.bin of the build (the lexicon alone, with a warning, when missing); empty = the lexicon alone"},
    {"safety.workers", 2, "safety checker workers", 1, 256},
    {"safety.model", "auto", "fastText safety model (.bin/.ftz with its .json, written by xinyu-train) used beside the rules; 'auto' = models/safety.bin of the build (the rules alone, with a warning, when missing); empty = the rules alone"},
    {"safety.risk_half_life_s", 1800, "conversation-level risk: a turn's signal of distress counts half after this long", 1, 2592000},
    {"safety.risk_crisis_at", 1.0, "conversation-level risk: decayed score at which a turn with a distress signal takes the crisis path (a distress turn adds 0.35, 0.45 with a low mood; a crisis turn 1)", 0.1, 100},
    {"safety.guard.base_url", "", "optional guard model, asked in parallel with the other stages: an OpenAI-compatible base URL (vLLM/Ollama serving Llama Guard, or a /moderations service); empty = off"},
    {"safety.guard.model", "", "the guard model's name (required for shape chat)"},
    {"safety.guard.shape", "chat", "chat: POST /chat/completions, answer 'safe' or 'unsafe' + Llama Guard codes; moderations: POST /moderations"},
    {"safety.guard.api_key_env", "", "environment variable holding the guard endpoint's API key"},
    {"safety.guard.deadline_ms", 300, "the guard's deadline; late or failing: the local verdict stands and safety_guard is degraded", 1, 60000},
    {"safety.guard.workers", 4, "concurrent guard calls (each blocks a thread)", 1, 256},
    {"safety.deadline_ms", 200, "safety stage deadline; late = caution + degraded", 1, 60000},
    {"safety.crisis_resources",
     json{{"zh",
           {"全国心理援助热线：400-161-9995（24小时）", "北京心理危机研究与干预中心：010-82951332",
            "如有紧急危险，请立即拨打 110 或 120"}},
          {"en",
           {"US: call or text 988 (Suicide & Crisis Lifeline)", "UK & Ireland: Samaritans 116 123",
            "Elsewhere: find a local line at findahelpline.com, or call your emergency number"}}},
     "support resources per locale (zh, en) appended to crisis replies"},
    {"memory.workers", 2, "memory retrieval workers", 1, 256},
    {"memory.deadline_ms", 200, "memory stage deadline; late = no memories + degraded", 1, 60000},
    {"memory.top_k", 3, "memories retrieved per turn", 0, 50},
    {"memory.min_similarity", 0.12, "lowest cosine similarity for a memory to count", -1, 1},
    {"memory.max_items_per_user", 500, "memories kept per user (oldest go first)", 1, 1000000},
    {"memory.cache_bytes", 8388608, "retrieval cache bound in bytes (LRU); 0 turns the cache off", 0, 4294967296.0},
    {"memory.cache_ttl_ms", 60000, "a cached retrieval result is used for at most this long", 1, 86400000},
    {"memory.hnsw_m", 16, "HNSW graph degree of the per-user memory index", 2, 100},
    {"memory.hnsw_ef_search", 64, "HNSW search beam (higher: better recall, slower)", 1, 10000},
    {"memory.hnsw_min_items", 256, "a user gets an HNSW graph from this many memories on; below, exact search (a graph costs ~3 MB)", 1, 100000000},
    {"memory.embeddings.base_url", "", "OpenAI-compatible /embeddings endpoint (e.g. http://127.0.0.1:8000/v1); empty = built-in hashed embeddings"},
    {"memory.embeddings.model", "", "model name sent to the embeddings endpoint"},
    {"memory.embeddings.api_key_env", "", "environment variable holding the embeddings endpoint's API key"},
    {"memory.embeddings.timeout_ms", 150, "deadline of one embeddings call (then the memory stage degrades)", 1, 60000},
    {"llm.provider", "offline", "LLM provider: offline (built in) or openai (the endpoints below)"},
    {"llm.endpoints", json::array(), "OpenAI-compatible endpoints tried in order: [{name, base_url, model, api_key_env}]"},
    {"llm.connect_timeout_ms", 3000, "upstream connect (and TLS handshake) deadline", 1, 600000},
    {"llm.attempt_first_token_ms", 8000, "per attempt: no first token by then -> retry / next endpoint", 1, 600000},
    {"llm.max_attempts", 2, "attempts per endpoint, only before the first token", 1, 20},
    {"llm.backoff_ms", 200, "first retry delay (doubling, full jitter; 429 Retry-After wins)", 0, 600000},
    {"llm.backoff_max_ms", 2000, "longest retry delay", 0, 600000},
    {"llm.breaker_failures", 5, "consecutive failures that open an endpoint's circuit breaker", 1, 1000},
    {"llm.breaker_cooldown_ms", 30000, "open breaker: time before one half-open probe", 1, 3600000},
    {"llm.max_streams", 256, "upstream streams at once (more wait in the queue)", 1, 100000},
    {"llm.queue_max", 1024, "replies waiting for a stream slot; beyond it: fallback reply", 0, 1000000},
    {"llm.queue_timeout_ms", 2000, "longest wait for a stream slot; then: fallback reply", 1, 600000},
    {"llm.pool_per_endpoint", 32, "idle keep-alive connections kept per endpoint", 0, 10000},
    {"llm.temperature", 0.7, "sampling temperature sent upstream", 0, 2},
    {"llm.tls_verify", true, "verify upstream certificates and host names (system CA store)"},
    {"llm.ca_file", "", "PEM bundle to trust instead of the system store"},
    {"llm.workers", 2, "LLM stream workers (each runs many streams)", 1, 256},
    {"llm.start_deadline_ms", 1000, "deadline for a worker to accept a stream", 1, 600000},
    {"llm.first_token_deadline_ms", 10000, "no first token by then: fallback reply", 1, 600000},
    {"llm.stall_deadline_ms", 10000, "gap between tokens after which the reply ends (error)", 1, 600000},
    {"llm.total_deadline_ms", 120000, "whole-reply deadline (finish error, tokens kept)", 1, 3600000},
    {"llm.max_tokens", 512, "reply token cap (finish length)", 1, 100000},
    {"offline.first_token_ms", 150, "offline provider: delay to the first token", 0, 600000},
    {"offline.tokens_per_s", 30, "offline provider: pace after the first token; 0 = no pacing", 0, 1000000},
    {"persona",
     "You are Xinyu (心语), a warm, patient AI companion. You listen first, reflect feelings back, "
     "and offer gentle, practical support. You are not a therapist and say so when it matters.",
     "system persona put at the top of every prompt"},
    {"care.disclosure", true, "send the ai_disclosure notice after ready"},
    {"care.disclosure_interval_s", 3600, "send the ai_disclosure notice again after this much use; 0 = only after ready", 0, 604800},
    {"care.break_after_s", 7200, "a break_reminder notice after this much continuous use (and again after as much more); 0 = off", 0, 604800},
    {"care.break_reset_s", 900, "a pause this long between turns ends a stretch of continuous use", 1, 604800},
    {"care.disclosure_text", default_disclosure_text, "the ai_disclosure notice's text (say it in every language you serve)"},
    {"care.break_text", default_break_text, "the break_reminder notice's text; {minutes} is replaced by the minutes of use"},
    {"log.turns", true, "log one JSON line per turn (user, turn, id, finish, every stage timing)"},
    {"log.text", false, "also log the message text and the reply (off: conversations stay private)"},
  };
  return opts;
}

json defaults_doc() {
  json doc = json::object();
  for (const auto& o : options())
    doc[json::json_pointer{"/" + [&] {
      std::string p = o.path;
      for (auto& c : p)
        if (c == '.')
          c = '/';
      return p;
    }()}] = o.def;
  return doc;
}

std::string pointer_of(const std::string& path) {
  std::string p = "/" + path;
  for (auto& c : p)
    if (c == '.')
      c = '/';
  return p;
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
    bool is_leaf_map = key == "safety.crisis_resources" || key == "chaos";
    if (d.is_object() && !is_leaf_map) {
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

template <class T>
bool read_num(const json& doc, const option& o, T& out, std::string& err) {
  const auto& v = doc.at(json::json_pointer{pointer_of(o.path)});
  if (!v.is_number() || (std::is_integral_v<T> && !v.is_number_integer())) {
    err = std::string{"configuration key '"} + o.path + "' must be "
          + (std::is_integral_v<T> ? "an integer" : "a number") + ", got " + v.dump();
    return false;
  }
  double d = v.get<double>();
  if (!(o.min == 0 && o.max == 0) && (d < o.min || d > o.max)) {
    std::ostringstream os;
    os << "configuration key '" << o.path << "' must be between " << o.min << " and " << o.max
       << ", got " << v.dump();
    err = os.str();
    return false;
  }
  out = v.get<T>();
  return true;
}

const option& opt(const char* path) {
  for (const auto& o : options())
    if (std::string_view{o.path} == path)
      return o;
  throw std::logic_error(std::string{"no such option "} + path);
}

} // namespace

std::string default_config_json() {
  return defaults_doc().dump(2);
}

std::string describe_config_keys() {
  std::string out;
  for (const auto& o : options()) {
    std::string env = "XINYU_";
    for (const char* p = o.path; *p; ++p)
      env.push_back(*p == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p))));
    auto def = o.def.dump();
    if (def.size() > 40)
      def = def.substr(0, 37) + "...";
    out += "  " + std::string{o.path} + " = " + def + "\n      " + o.help + " [env " + env + "]\n";
  }
  return out;
}

config_result load_config(const std::string& json_text,
                          const std::map<std::string, std::string>& env) {
  config_result res;
  json doc = defaults_doc();
  if (!json_text.empty()) {
    json user = json::parse(json_text, nullptr, false, /*ignore_comments=*/true);
    if (user.is_discarded()) {
      res.error = "configuration is not valid JSON";
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
    const option* match = nullptr;
    for (const auto& o : options()) {
      std::string e = "XINYU_";
      for (const char* p = o.path; *p; ++p)
        e.push_back(*p == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p))));
      if (e == name)
        match = &o;
    }
    if (!match)
      continue; // other XINYU_* variables (API keys, test knobs) are not config keys
    json v = json::parse(value, nullptr, false);
    if (v.is_discarded() || (match->def.is_string() && !v.is_string()))
      v = value;
    doc[json::json_pointer{pointer_of(match->path)}] = v;
  }

  config c;
  std::string& err = res.error;
  auto str = [&](const char* path, std::string& out) {
    const auto& v = doc.at(json::json_pointer{pointer_of(path)});
    if (!v.is_string()) {
      // a secret's value is never echoed, even a mistyped one
      bool secret = std::string_view{path}.find("secret") != std::string_view::npos
                    || std::string_view{path}.find("token") != std::string_view::npos;
      err = std::string{"configuration key '"} + path + "' must be a string"
            + (secret ? std::string{} : ", got " + v.dump());
      return false;
    }
    out = v.get<std::string>();
    return true;
  };
  auto boolean = [&](const char* path, bool& out) {
    const auto& v = doc.at(json::json_pointer{pointer_of(path)});
    if (!v.is_boolean()) {
      err = std::string{"configuration key '"} + path + "' must be true or false, got " + v.dump();
      return false;
    }
    out = v.get<bool>();
    return true;
  };
#define NUM(path, field)                                                                          \
  if (!read_num(doc, opt(path), field, err))                                                     \
    return res;
  if (!str("server.host", c.server.host) || !str("server.name", c.server.name))
    return res;
  NUM("server.port", c.server.port)
  NUM("transport.threads", c.transport.threads)
  NUM("transport.handshake_timeout_ms", c.transport.handshake_timeout_ms)
  NUM("transport.auth_timeout_ms", c.transport.auth_timeout_ms)
  NUM("transport.max_frame_bytes", c.transport.max_frame_bytes)
  NUM("transport.max_queued_frames", c.transport.max_queued_frames)
  NUM("transport.max_bad_frames", c.transport.max_bad_frames)
  NUM("transport.pre_auth_max_frames", c.transport.pre_auth_max_frames)
  NUM("transport.pre_auth_max_bytes", c.transport.pre_auth_max_bytes)
  NUM("transport.close_timeout_ms", c.transport.close_timeout_ms)
  NUM("transport.idle_timeout_ms", c.transport.idle_timeout_ms)
  NUM("transport.max_connections", c.transport.max_connections)
  NUM("transport.max_connections_per_ip", c.transport.max_connections_per_ip)
  NUM("transport.max_connections_per_user", c.transport.max_connections_per_user)
  NUM("transport.http_persisted_wait_ms", c.transport.http_persisted_wait_ms)
  NUM("limits.max_text_bytes", c.limits.max_text_bytes)
  NUM("limits.max_user_bytes", c.limits.max_user_bytes)
  NUM("limits.max_inflight_turns", c.limits.max_inflight_turns)
  NUM("limits.max_worker_queue", c.limits.max_worker_queue)
  NUM("supervision.max_restarts", c.supervision.max_restarts)
  NUM("supervision.window_s", c.supervision.window_s)
  NUM("supervision.probe_after_ms", c.supervision.probe_after_ms)
  if (!str("auth.secret", c.auth.secret) || !str("admin.token", c.admin.token))
    return res;
  if (!c.admin.token.empty() && c.admin.token.size() < 16) {
    err = "configuration key 'admin.token' must be at least 16 bytes";
    return res;
  }
  for (auto [key, out] : {std::pair{"transport.allowed_origins", &c.transport.allowed_origins},
                          std::pair{"transport.allowed_hosts", &c.transport.allowed_hosts}}) {
    const auto& v = doc.at(json::json_pointer{pointer_of(key)});
    bool ok = v.is_array();
    for (const auto& e : v)
      ok = ok && e.is_string() && !e.get<std::string>().empty();
    if (!ok) {
      err = std::string{"configuration key '"} + key + "' must be a list of non-empty strings";
      return res;
    }
    for (const auto& e : v)
      out->push_back(e.get<std::string>());
  }
  NUM("session.max_queued_turns", c.session.max_queued_turns)
  NUM("care.disclosure_interval_s", c.care.disclosure_interval_s)
  NUM("care.break_after_s", c.care.break_after_s)
  NUM("care.break_reset_s", c.care.break_reset_s)
  NUM("limits.chats_per_minute", c.limits.chats_per_minute)
  NUM("limits.chat_burst", c.limits.chat_burst)
  NUM("limits.commands_per_minute", c.limits.commands_per_minute)
  NUM("limits.command_burst", c.limits.command_burst)
  NUM("session.recent_messages", c.session.recent_messages)
  NUM("session.keep_turns", c.session.keep_turns)
  NUM("session.bookkeeping_deadline_ms", c.session.bookkeeping_deadline_ms)
  NUM("scheduler.threads", c.scheduler.threads)
  NUM("session.idle_s", c.session.idle_s)
  NUM("storage.flush_interval_ms", c.storage.flush_interval_ms)
  NUM("storage.batch_max", c.storage.batch_max)
  NUM("storage.high_water", c.storage.high_water)
  NUM("storage.retry_initial_ms", c.storage.retry_initial_ms)
  NUM("storage.retry_max_ms", c.storage.retry_max_ms)
  NUM("storage.load_timeout_ms", c.storage.load_timeout_ms)
  NUM("storage.retry_after_ms", c.storage.retry_after_ms)
  NUM("shutdown.drain_s", c.shutdown.drain_s)
  NUM("safety.guard.deadline_ms", c.safety.guard.deadline_ms)
  NUM("safety.guard.workers", c.safety.guard.workers)
  NUM("safety.risk_half_life_s", c.safety.risk_half_life_s)
  NUM("safety.risk_crisis_at", c.safety.risk_crisis_at)
  NUM("emotion.workers", c.emotion.workers)
  NUM("emotion.deadline_ms", c.emotion.deadline_ms)
  NUM("safety.workers", c.safety.workers)
  NUM("safety.deadline_ms", c.safety.deadline_ms)
  NUM("memory.workers", c.memory.workers)
  NUM("memory.deadline_ms", c.memory.deadline_ms)
  NUM("memory.top_k", c.memory.top_k)
  NUM("memory.min_similarity", c.memory.min_similarity)
  NUM("memory.max_items_per_user", c.memory.max_items_per_user)
  NUM("memory.cache_bytes", c.memory.cache_bytes)
  NUM("memory.cache_ttl_ms", c.memory.cache_ttl_ms)
  NUM("memory.hnsw_m", c.memory.hnsw_m)
  NUM("memory.hnsw_ef_search", c.memory.hnsw_ef_search)
  NUM("memory.hnsw_min_items", c.memory.hnsw_min_items)
  NUM("memory.embeddings.timeout_ms", c.memory.embeddings.timeout_ms)
  NUM("llm.workers", c.llm.workers)
  NUM("llm.connect_timeout_ms", c.llm.connect_timeout_ms)
  NUM("llm.attempt_first_token_ms", c.llm.attempt_first_token_ms)
  NUM("llm.max_attempts", c.llm.max_attempts)
  NUM("llm.backoff_ms", c.llm.backoff_ms)
  NUM("llm.backoff_max_ms", c.llm.backoff_max_ms)
  NUM("llm.breaker_failures", c.llm.breaker_failures)
  NUM("llm.breaker_cooldown_ms", c.llm.breaker_cooldown_ms)
  NUM("llm.max_streams", c.llm.max_streams)
  NUM("llm.queue_max", c.llm.queue_max)
  NUM("llm.queue_timeout_ms", c.llm.queue_timeout_ms)
  NUM("llm.pool_per_endpoint", c.llm.pool_per_endpoint)
  NUM("llm.temperature", c.llm.temperature)
  NUM("llm.start_deadline_ms", c.llm.start_deadline_ms)
  NUM("llm.first_token_deadline_ms", c.llm.first_token_deadline_ms)
  NUM("llm.stall_deadline_ms", c.llm.stall_deadline_ms)
  NUM("llm.total_deadline_ms", c.llm.total_deadline_ms)
  NUM("llm.max_tokens", c.llm.max_tokens)
  NUM("offline.first_token_ms", c.offline.first_token_ms)
  NUM("offline.tokens_per_s", c.offline.tokens_per_s)
#undef NUM
  if (!str("storage.path", c.storage.path) || !boolean("storage.sync", c.storage.sync))
    return res;
  if (!str("emotion.model", c.emotion.model) || !str("safety.model", c.safety.model)
      || !str("safety.guard.base_url", c.safety.guard.base_url)
      || !str("safety.guard.model", c.safety.guard.model)
      || !str("safety.guard.shape", c.safety.guard.shape)
      || !str("safety.guard.api_key_env", c.safety.guard.api_key_env))
    return res;
  if (c.safety.guard.shape != "chat" && c.safety.guard.shape != "moderations") {
    err = "configuration key 'safety.guard.shape' must be \"chat\" or \"moderations\", got '"
          + c.safety.guard.shape + "'";
    return res;
  }
  for (auto [key, m] : {std::pair{"emotion.model", &c.emotion.model},
                        std::pair{"safety.model", &c.safety.model}})
    if (!m->empty() && *m != "auto" && !m->ends_with(".bin") && !m->ends_with(".ftz")) {
      err = std::string{"configuration key '"} + key
            + "' must be 'auto', empty, or name a fastText .bin or .ftz file, got '" + *m + "'";
      return res;
    }
  if (!str("memory.embeddings.base_url", c.memory.embeddings.base_url)
      || !str("memory.embeddings.model", c.memory.embeddings.model)
      || !str("memory.embeddings.api_key_env", c.memory.embeddings.api_key_env))
    return res;
  if (c.storage.path.empty()) {
    err = "configuration key 'storage.path' must not be empty";
    return res;
  }
  if (!str("llm.provider", c.llm.provider) || !str("persona", c.persona)
      || !boolean("care.disclosure", c.care.disclosure)
      || !str("care.disclosure_text", c.care.disclosure_text)
      || !str("care.break_text", c.care.break_text) || !boolean("log.turns", c.log.turns)
      || !boolean("log.text", c.log.text))
    return res;
  if (c.llm.provider != "offline" && c.llm.provider != "openai") {
    err = "configuration key 'llm.provider' must be \"offline\" or \"openai\", got \""
          + c.llm.provider + "\"";
    return res;
  }
  if (!boolean("llm.tls_verify", c.llm.tls_verify) || !str("llm.ca_file", c.llm.ca_file))
    return res;
  {
    const auto& eps = doc.at("llm").at("endpoints");
    if (!eps.is_array()) {
      err = "configuration key 'llm.endpoints' must be a list of {name, base_url, model, api_key_env}";
      return res;
    }
    for (std::size_t i = 0; i < eps.size(); ++i) {
      const auto& e = eps[i];
      auto where = "llm.endpoints[" + std::to_string(i) + "]";
      if (!e.is_object()) {
        err = where + " must be an object {name, base_url, model, api_key_env}";
        return res;
      }
      config::endpoint ep;
      for (auto it = e.begin(); it != e.end(); ++it) {
        if (!it->is_string()) {
          err = where + "." + it.key() + " must be a string";
          return res;
        }
        if (it.key() == "name")
          ep.name = it->get<std::string>();
        else if (it.key() == "base_url")
          ep.base_url = it->get<std::string>();
        else if (it.key() == "model")
          ep.model = it->get<std::string>();
        else if (it.key() == "api_key_env")
          ep.api_key_env = it->get<std::string>();
        else {
          err = "unknown configuration key '" + where + "." + it.key() + "'";
          return res;
        }
      }
      if (ep.base_url.empty() || ep.model.empty()) {
        err = where + " needs base_url and model";
        return res;
      }
      c.llm.endpoints.push_back(std::move(ep));
    }
    if (c.llm.provider == "openai" && c.llm.endpoints.empty()) {
      err = "llm.provider is \"openai\" but llm.endpoints is empty";
      return res;
    }
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
  const auto& cr = doc.at("safety").at("crisis_resources");
  if (!cr.is_object()) {
    err = "configuration key 'safety.crisis_resources' must be an object of locale -> [strings]";
    return res;
  }
  for (auto it = cr.begin(); it != cr.end(); ++it) {
    if (!it->is_array()) {
      err = "configuration key 'safety.crisis_resources." + it.key() + "' must be a list of strings";
      return res;
    }
    for (const auto& s : *it) {
      if (!s.is_string()) {
        err = "configuration key 'safety.crisis_resources." + it.key() + "' must be a list of strings";
        return res;
      }
      c.safety.crisis_resources[it.key()].push_back(s.get<std::string>());
    }
  }
  {
    core::chaos_settings probe;
    auto chaos_doc = doc.at("chaos").dump();
    if (auto e = probe.apply_json(chaos_doc); !e.empty()) {
      err = "configuration key 'chaos': " + e;
      return res;
    }
    c.chaos_json = chaos_doc;
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
