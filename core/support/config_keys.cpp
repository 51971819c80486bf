// The one table of configuration keys and the binders that move values between the JSON
// document and the config struct. Must never state a default: config{} holds them.
// Over 400 lines because it is the key table itself: one entry per configuration key.
#include "core/support/config_keys.hpp"

#include "core/support/chaos.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <limits>
#include <sstream>
#include <type_traits>

namespace xinyu::core {

using nlohmann::json;

namespace {

/// What a binder needs to know about its key to check a value.
struct key_limits {
  const char* path;
  double min, max;
  bool secret;
};

std::string got(const key_limits& k, const json& v) {
  return k.secret ? std::string{} : ", got " + v.dump();
}

template <class T>
bool set_value(const key_limits& k, const json& v, T& out, std::string& err) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) {
      err = std::string{"configuration key '"} + k.path + "' must be true or false" + got(k, v);
      return false;
    }
    out = v.get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) {
      err = std::string{"configuration key '"} + k.path + "' must be a string" + got(k, v);
      return false;
    }
    out = v.get<std::string>();
  } else if constexpr (std::is_arithmetic_v<T>) {
    constexpr bool integral = std::is_integral_v<T>;
    if (!v.is_number() || (integral && !v.is_number_integer())) {
      err = std::string{"configuration key '"} + k.path + "' must be "
            + (integral ? "an integer" : "a number") + got(k, v);
      return false;
    }
    double d = v.get<double>();
    double lo = k.min, hi = k.max;
    if (lo == 0 && hi == 0) {
      lo = integral ? static_cast<double>(std::numeric_limits<T>::min()) : -1e300;
      hi = integral ? static_cast<double>(std::numeric_limits<T>::max()) : 1e300;
    }
    if (d < lo || d > hi) {
      std::ostringstream os;
      os << "configuration key '" << k.path << "' must be between " << lo << " and " << hi
         << got(k, v);
      err = os.str();
      return false;
    }
    out = integral ? static_cast<T>(v.get<long long>()) : static_cast<T>(d);
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    bool ok = v.is_array();
    for (const auto& e : v)
      ok = ok && e.is_string() && !e.get<std::string>().empty();
    if (!ok) {
      err = std::string{"configuration key '"} + k.path + "' must be a list of non-empty strings";
      return false;
    }
    out = v.get<std::vector<std::string>>();
  } else if constexpr (std::is_same_v<T, std::map<std::string, std::vector<std::string>>>) {
    if (!v.is_object()) {
      err =
        std::string{"configuration key '"} + k.path + "' must be an object of name -> [strings]";
      return false;
    }
    T m;
    for (auto it = v.begin(); it != v.end(); ++it) {
      bool ok = it->is_array();
      for (const auto& s : *it)
        ok = ok && s.is_string();
      if (!ok) {
        err = std::string{"configuration key '"} + k.path + "." + it.key()
              + "' must be a list of strings";
        return false;
      }
      m[it.key()] = it->get<std::vector<std::string>>();
    }
    out = std::move(m);
  } else if constexpr (std::is_same_v<T, std::vector<config::endpoint>>) {
    if (!v.is_array()) {
      err = std::string{"configuration key '"} + k.path
            + "' must be a list of {name, base_url, model, api_key_env, context_window, "
              "reply_reserve}";
      return false;
    }
    T eps;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto& e = v[i];
      auto where = std::string{k.path} + "[" + std::to_string(i) + "]";
      if (!e.is_object()) {
        err = where + " must be an object {name, base_url, model, api_key_env}";
        return false;
      }
      config::endpoint ep;
      for (auto it = e.begin(); it != e.end(); ++it) {
        if (it.key() == "context_window" || it.key() == "reply_reserve") {
          auto& n = it.key() == "context_window" ? ep.context_window : ep.reply_reserve;
          if (!it->is_number_unsigned() || it->get<unsigned long long>() < 1
              || it->get<unsigned long long>() > 100000000) {
            err = where + "." + it.key() + " must be a whole number of tokens (1 .. 100000000)";
            return false;
          }
          n = it->get<std::size_t>();
          continue;
        }
        if (!it->is_string()) {
          err = where + "." + it.key() + " must be a string";
          return false;
        }
        std::string* field = it.key() == "name"          ? &ep.name
                             : it.key() == "base_url"    ? &ep.base_url
                             : it.key() == "model"       ? &ep.model
                             : it.key() == "api_key_env" ? &ep.api_key_env
                                                         : nullptr;
        if (!field) {
          err = "unknown configuration key '" + where + "." + it.key() + "'";
          return false;
        }
        *field = it->get<std::string>();
      }
      if (ep.reply_reserve + 256 > ep.context_window) {
        err = where
              + ".reply_reserve must leave at least 256 tokens of context_window for the "
                "prompt";
        return false;
      }
      if (ep.base_url.empty() || ep.model.empty()) {
        err = where + " needs base_url and model";
        return false;
      }
      eps.push_back(std::move(ep));
    }
    out = std::move(eps);
  } else {
    static_assert(!sizeof(T), "no binder for this config member type");
  }
  return true;
}

template <class T>
json get_value(const T& v) {
  if constexpr (std::is_same_v<T, std::vector<config::endpoint>>) {
    json a = json::array();
    for (const auto& e : v)
      a.push_back({{"name", e.name},
                   {"base_url", e.base_url},
                   {"model", e.model},
                   {"api_key_env", e.api_key_env},
                   {"context_window", e.context_window},
                   {"reply_reserve", e.reply_reserve}});
    return a;
  } else if constexpr (std::is_floating_point_v<T>) {
    auto whole = static_cast<long long>(v); // 30 reads better than 30.0 in docs and --help
    return static_cast<T>(whole) == v ? json(whole) : json(v);
  } else {
    return json(v);
  }
}

/// A key bound to the member `access(config&)` returns.
template <class Access>
config_key make_key(const char* path, Access access, const char* help, double min = 0,
                    double max = 0) {
  using T = std::remove_reference_t<decltype(access(std::declval<config&>()))>;
  config_key k;
  k.path = path;
  k.help = help;
  k.min = min;
  k.max = max;
  std::string_view p{path};
  k.secret = p.find("secret") != std::string_view::npos || p.find("token") != std::string_view::npos
             || p == "storage.postgres"; // a connection string may carry a password
  k.object_leaf = std::is_same_v<T, std::map<std::string, std::vector<std::string>>>;
  k.get = [access](const config& c) { return get_value(access(const_cast<config&>(c))); };
  k.set = [limits = key_limits{path, min, max, k.secret}, access](const json& v, config& c,
                                                                  std::string& err) {
    return set_value(limits, v, access(c), err);
  };
  return k;
}

/// `chaos` is validated by chaos_settings and kept as its JSON text.
config_key chaos_key(const char* help) {
  config_key k;
  k.path = "chaos";
  k.help = help;
  k.object_leaf = true;
  k.get = [](const config& c) { return json::parse(c.chaos_json); };
  k.set = [](const json& v, config& c, std::string& err) {
    chaos_settings probe;
    auto text = v.dump();
    if (auto e = probe.apply_json(text); !e.empty()) {
      err = "configuration key 'chaos': " + e;
      return false;
    }
    c.chaos_json = text;
    return true;
  };
  return k;
}

#define XINYU_KEY(member, ...)                                                                     \
  make_key(                                                                                        \
    #member, [](config & c) -> auto& { return c.member; }, __VA_ARGS__)

} // namespace

std::string config_key::env_name() const {
  std::string env = "XINYU_";
  for (const char* p = path; *p; ++p)
    env.push_back(*p == '.' ? '_'
                            : static_cast<char>(std::toupper(static_cast<unsigned char>(*p))));
  return env;
}

const std::vector<config_key>& config_keys() {
  static const std::vector<config_key> keys = {
    XINYU_KEY(server.host, "address to listen on (dev mode: loopback only)"),
    XINYU_KEY(server.port, "TCP port; 0 picks a free one (printed on stdout)", 0, 65535),
    XINYU_KEY(server.name, "server name sent in the ready frame"),
    XINYU_KEY(server.tls_cert,
              "PEM certificate chain; with server.tls_key the port serves only https:// and "
              "wss:// (TLS 1.2+); empty = plain (terminate TLS in a proxy instead)"),
    XINYU_KEY(server.tls_key, "PEM private key of server.tls_cert"),
    XINYU_KEY(transport.threads, "I/O threads for WebSocket/HTTP", 1, 64),
    XINYU_KEY(transport.handshake_timeout_ms, "HTTP request / WebSocket handshake deadline", 100,
              600000),
    XINYU_KEY(transport.auth_timeout_ms, "close (1008) a connection not authenticated by then", 50,
              600000),
    XINYU_KEY(transport.max_frame_bytes, "largest WebSocket message read (bigger: close 1009)",
              1024, 16777216),
    XINYU_KEY(transport.max_queued_frames,
              "per-connection outbound queue; a slower reader is closed with 1013", 8, 1000000),
    XINYU_KEY(transport.max_bad_frames,
              "consecutive rejected frames before the connection is closed (1008)", 1, 100000),
    XINYU_KEY(transport.pre_auth_max_frames,
              "frames a connection may send before it authenticates (more: close 1008)", 1, 100000),
    XINYU_KEY(transport.pre_auth_max_bytes,
              "bytes a connection may send before it authenticates (more: close 1008)", 64,
              16777216),
    XINYU_KEY(transport.close_timeout_ms,
              "a connection whose close handshake has not finished by then is dropped (a peer that "
              "never reads)",
              10, 600000),
    XINYU_KEY(transport.idle_timeout_ms,
              "an authenticated WebSocket is pinged after half of this without traffic and closed "
              "when the peer answers nothing for all of it (TCP keepalive on too); 0 = never",
              0, 86400000),
    XINYU_KEY(
      transport.keepalive_ms,
      "while a reply is awaited and nothing else was written for this long, SSE streams get "
      "a ': keep-alive' comment and WebSockets a ping, so proxies do not cut them; 0 = off",
      0, 600000),
    XINYU_KEY(transport.max_connections,
              "TCP connections served at once (HTTP, WebSocket, API); more get 503 at accept (keep "
              "it below the process's fd limit)",
              1, 10000000),
    XINYU_KEY(transport.max_connections_per_ip,
              "connections from one IP address at once; more get 503 at accept", 1, 10000000),
    XINYU_KEY(transport.connections_per_second_per_ip,
              "new connections (each one a handshake) one IP address may open per second, "
              "refilled continuously; more get 429 at accept; 0 = unlimited",
              0, 1000000),
    XINYU_KEY(transport.connection_burst_per_ip,
              "new connections one IP address may open at once before "
              "connections_per_second_per_ip applies",
              1, 10000000),
    XINYU_KEY(
      transport.max_connections_per_user,
      "authenticated WebSocket connections of one user; another gets error busy and close 1008", 1,
      100000),
    XINYU_KEY(transport.allowed_origins,
              "browser origins (\"https://chat.example.com\") allowed to open a WebSocket or POST "
              "to the API besides the page's own; a request with any other Origin gets 403"),
    XINYU_KEY(transport.allowed_hosts, "dev mode: Host names served besides localhost and loopback "
                                       "addresses (anything else gets 403: DNS rebinding)"),
    XINYU_KEY(transport.http_persisted_wait_ms,
              "POST /v1/chat: how long after done the stream waits for persisted (storage failing) "
              "before it ends",
              0, 600000),
    XINYU_KEY(transport.http_deadline_slack_ms,
              "HTTP API request deadline = llm.total_deadline_ms + storage.load_timeout_ms + this",
              0, 600000),
    XINYU_KEY(
      transport.accept_backoff_ms,
      "after an accept error (EMFILE, ENFILE, ENOBUFS) wait this long before accepting again", 1,
      60000),
    XINYU_KEY(limits.max_text_bytes, "largest chat text in bytes (bigger: error too_large)", 1,
              1048576),
    XINYU_KEY(limits.max_user_bytes, "longest user id in bytes", 1, 1024),
    XINYU_KEY(limits.max_inflight_turns,
              "admitted, unfinished turns over all users; more: 'overloaded'", 1, 100000000),
    XINYU_KEY(limits.chats_per_minute,
              "chats a user may send per minute (token bucket; more: error rate_limited with "
              "retry_after_ms); 0 = unlimited",
              0, 100000),
    XINYU_KEY(limits.chat_burst, "chats a user may send at once before chats_per_minute applies", 1,
              100000),
    XINYU_KEY(limits.commands_per_minute,
              "history, forget, resume and cancel requests a user may send per minute (token "
              "bucket; more: error rate_limited with retry_after_ms); 0 = unlimited",
              0, 100000),
    XINYU_KEY(limits.command_burst, "such requests a user may send at once", 1, 100000),
    XINYU_KEY(
      limits.max_worker_queue,
      "requests in flight per stage worker; when every worker is full the stage falls back at once",
      1, 1000000),
    XINYU_KEY(supervision.max_restarts,
              "worker restarts allowed per pool within supervision.window_s ...", 1, 100000),
    XINYU_KEY(supervision.window_s,
              "... beyond that the pool is marked failed: its fallback is used without calling it",
              1, 3600),
    XINYU_KEY(supervision.probe_after_ms,
              "a failed pool respawns its workers and probes again after this", 1, 3600000),
    XINYU_KEY(auth.secret,
              "HS256 secret for signed tokens (>= 16 bytes; XINYU_AUTH_SECRET keeps it out of "
              "files); empty = dev mode (auth frame with 'user', loopback only)"),
    XINYU_KEY(auth.platform_user_header,
              "HTTP header that names the end user when a platform token (xinyu-server "
              "--issue-token NAME --platform) calls /v1/chat/completions: each of the platform's "
              "users gets their own session and memories, as user '<NAME>:<value>'; trusted "
              "only from platform tokens; empty = platforms chat as themselves"),
    XINYU_KEY(admin.listen,
              "host:port of a separate listener for /admin/*, /metrics, /healthz and /readyz (e.g. "
              "127.0.0.1:9090, port 0 = any free one, printed in the started log line); the main "
              "port then answers /admin/* with 404; empty = everything on the main port"),
    XINYU_KEY(admin.token,
              "bearer token for /admin/* (XINYU_ADMIN_TOKEN keeps it out of files); empty = "
              "/admin/* only from loopback in dev mode, and off when signed tokens are configured"),
    XINYU_KEY(session.max_queued_turns, "admitted turns a user may have waiting (more: error busy)",
              1, 1000),
    XINYU_KEY(session.summary_tokens,
              "token budget of the running summary: turns the recent window lets go are folded "
              "into it (one line per user message, newest kept) and it rides in the system "
              "message; 0 turns it off",
              0, 8192),
    XINYU_KEY(session.summary_by_llm,
              "with an upstream LLM configured, it writes the running summary after the turn "
              "(llm.total_deadline_ms; on failure, or with the offline provider, the extractive "
              "summary stands)"),
    XINYU_KEY(
      session.recent_messages,
      "most recent messages kept for the prompt; over this or the token budget the oldest "
      "half goes at once (the prompt's prefix stays the same between slides; 32-64 pays for "
      "fewer tokens on an endpoint without a prefix cache)",
      0, 1000),
    XINYU_KEY(session.keep_turns, "finished turns kept in memory per user for resume and history",
              1, 10000),
    XINYU_KEY(session.max_known_facts,
              "facts a session remembers as already told (so they are not stored twice); oldest "
              "forgotten first",
              1, 1000000),
    XINYU_KEY(session.bookkeeping_deadline_ms,
              "deadline of a session's own requests: remember, forget, unload, the idle check", 10,
              600000),
    XINYU_KEY(session.idle_s,
              "a session with no connection and no work for this long stops (state is in storage)",
              1, 86400),
    XINYU_KEY(cluster.redis,
              "cluster mode: Redis address (\"host:port\" or \"unix:/path\") for users' "
              "ownership leases; empty: a single node. Needs storage.backend \"postgres\""),
    XINYU_KEY(cluster.node_id, "this node's id in the cluster (unique); empty: hostname-pid"),
    XINYU_KEY(cluster.lease_ms,
              "a user's ownership lease; renewed every third of it; after a node dies its users "
              "move to another node within this long",
              300, 600000),
    XINYU_KEY(cluster.redis_timeout_ms, "deadline of one Redis request (and of connecting)", 10,
              60000),
    XINYU_KEY(cluster.forward_timeout_ms,
              "a chat forwarded to the owner node must be accepted or refused within this long; "
              "else it is answered 'overloaded' and the owner is asked for again",
              100, 600000),
    XINYU_KEY(cluster.bus_queue_max,
              "node-to-node messages (forwarded commands and frames) waiting to be sent to Redis; "
              "more are dropped and counted in xinyu_cluster_dropped_total",
              16, 10000000),
    XINYU_KEY(storage.backend,
              "where conversations live: \"rocksdb\" (embedded, one node) or \"postgres\" "
              "(cluster mode; storage.postgres)"),
    XINYU_KEY(storage.postgres,
              "libpq connection string of the PostgreSQL database (backend \"postgres\"; tables "
              "are created if missing; a password is better in PGPASSWORD or ~/.pgpass)"),
    XINYU_KEY(storage.path, "RocksDB data directory (created if missing)"),
    XINYU_KEY(
      storage.sync,
      "fsync the write-ahead log on every batch (survives power loss; costs ~1 fsync per batch); "
      "with postgres, off means synchronous_commit off: a PostgreSQL crash may lose the last "
      "fraction of a second of turns"),
    XINYU_KEY(storage.flush_interval_ms,
              "group commit: a batch is written at most this long after its first turn", 0, 10000),
    XINYU_KEY(storage.batch_max, "group commit: turns per write batch", 1, 100000),
    XINYU_KEY(storage.high_water, "turns waiting for storage at which new chats get 'overloaded'",
              1, 10000000),
    XINYU_KEY(storage.retry_initial_ms,
              "first retry delay after a failed write (doubles up to retry_max_ms)", 1, 60000),
    XINYU_KEY(storage.retry_max_ms, "longest retry delay after failed writes", 1, 600000),
    XINYU_KEY(storage.load_timeout_ms, "deadline for a session to load its turn counter", 1,
              600000),
    XINYU_KEY(storage.retry_after_ms, "retry_after_ms sent with 'overloaded'", 1, 600000),
    XINYU_KEY(shutdown.drain_s,
              "on SIGTERM/SIGINT: time for in-flight turns to finish and storage to flush", 0,
              3600),
    chaos_key("failure injection per kind (emotion safety memory llm storage session): "
              "{crash_rate, hang_rate, fail_rate, delay_ms}; off by default"),
    XINYU_KEY(scheduler.threads, "CAF scheduler threads; 0 = one per core", 0, 256),
    XINYU_KEY(scheduler.spin_polls,
              "an idle CAF worker first polls its queue this often without sleeping", 1, 100000),
    XINYU_KEY(scheduler.sleepy_polls,
              "then this often with scheduler.sleepy_poll_us between, before it sleeps until "
              "work arrives (each poll wakes the thread: CPU at low load)",
              0, 100000),
    XINYU_KEY(scheduler.sleepy_poll_us, "the sleep between those polls", 1, 100000),
    XINYU_KEY(emotion.workers, "emotion analyzer workers", 1, 256),
    XINYU_KEY(emotion.deadline_ms, "emotion stage deadline; late = neutral + degraded", 1, 60000),
    XINYU_KEY(emotion.model,
              "fastText emotion model (.bin/.ftz with its .json, written by xinyu-train) used "
              "beside the lexicon; 'auto' = models/emotion.bin of the build (the lexicon alone, "
              "with a warning, when missing); empty = the lexicon alone"),
    XINYU_KEY(safety.workers, "safety checker workers", 1, 256),
    XINYU_KEY(safety.model,
              "fastText safety model (.bin/.ftz with its .json, written by xinyu-train) used "
              "beside the rules; 'auto' = models/safety.bin of the build (the rules alone, with a "
              "warning, when missing); empty = the rules alone"),
    XINYU_KEY(safety.risk_half_life_s,
              "conversation-level risk: a turn's signal of distress counts half after this long", 1,
              2592000),
    XINYU_KEY(
      safety.risk_crisis_at,
      "conversation-level risk: decayed score at which a turn with a distress signal takes "
      "the crisis path (a distress turn adds 0.35, 0.45 with a low mood; a crisis turn 1), in a "
      "conversation with words of danger within about one half-life",
      0.1, 100),
    XINYU_KEY(safety.guard.base_url,
              "optional guard model, asked in parallel with the other stages: an OpenAI-compatible "
              "base URL (vLLM/Ollama serving Llama Guard, or a /moderations service); empty = off"),
    XINYU_KEY(safety.guard.model, "the guard model's name (required for shape chat)"),
    XINYU_KEY(safety.guard.shape, "chat: POST /chat/completions, answer 'safe' or 'unsafe' + Llama "
                                  "Guard codes; moderations: POST /moderations"),
    XINYU_KEY(safety.guard.api_key_env,
              "environment variable holding the guard endpoint's API key"),
    XINYU_KEY(safety.guard.deadline_ms,
              "the guard's deadline; late or failing: the local verdict stands and safety_guard is "
              "degraded",
              1, 60000),
    XINYU_KEY(safety.guard.workers, "concurrent guard calls (each blocks a thread)", 1, 256),
    XINYU_KEY(safety.deadline_ms, "safety stage deadline; late = caution + degraded", 1, 60000),
    XINYU_KEY(safety.crisis_resources,
              "support resources per locale (zh, en) appended to crisis replies"),
    XINYU_KEY(memory.workers, "memory retrieval workers", 1, 256),
    XINYU_KEY(memory.deadline_ms, "memory stage deadline; late = no memories + degraded", 1, 60000),
    XINYU_KEY(memory.top_k, "memories retrieved per turn", 0, 50),
    XINYU_KEY(memory.min_similarity, "lowest cosine similarity for a memory to count", -1, 1),
    XINYU_KEY(memory.max_items_per_user, "memories kept per user (oldest go first)", 1, 1000000),
    XINYU_KEY(memory.max_removed_per_user,
              "forgotten or edited memories remembered per user, so that a late write of one "
              "(a remember that lost the race) is refused; the oldest is dropped beyond this "
              "(metric xinyu_memory_removed_forgotten_total)",
              1, 1000000),
    XINYU_KEY(memory.core_tokens,
              "token budget of the core memory: the most important facts about the user "
              "(health, people, pets, what they are going through, ...) always in the prompt; "
              "0 turns it off",
              0, 4096),
    XINYU_KEY(memory.cache_bytes, "retrieval cache bound in bytes (LRU); 0 turns the cache off", 0,
              4294967296.0),
    XINYU_KEY(memory.cache_ttl_ms, "a cached retrieval result is used for at most this long", 1,
              86400000),
    XINYU_KEY(memory.hnsw_m, "HNSW graph degree of the per-user memory index", 2, 100),
    XINYU_KEY(memory.hnsw_ef_search, "HNSW search beam (higher: better recall, slower)", 1, 10000),
    XINYU_KEY(memory.hnsw_min_items,
              "a user gets an HNSW graph from this many memories on; below, exact search (a graph "
              "costs ~3 MB)",
              1, 100000000),
    XINYU_KEY(memory.embeddings.base_url,
              "OpenAI-compatible /embeddings endpoint (e.g. http://127.0.0.1:8000/v1); empty = "
              "built-in hashed embeddings"),
    XINYU_KEY(memory.embeddings.model, "model name sent to the embeddings endpoint"),
    XINYU_KEY(memory.embeddings.api_key_env,
              "environment variable holding the embeddings endpoint's API key"),
    XINYU_KEY(memory.embeddings.timeout_ms,
              "deadline of one embeddings call (then the memory stage degrades)", 1, 60000),
    XINYU_KEY(llm.provider, "LLM provider: offline (built in) or openai (the endpoints below)"),
    XINYU_KEY(llm.endpoints,
              "OpenAI-compatible endpoints tried in order: [{name, base_url, model, api_key_env, "
              "context_window, reply_reserve}]; context_window (default 8192) is the model's "
              "window in tokens, reply_reserve (default 1024) the part kept for the reply: a "
              "prompt never exceeds the difference (approximate count, core/policy/token_count; "
              "the oldest recent turns go first)"),
    XINYU_KEY(llm.connect_timeout_ms, "upstream connect (and TLS handshake) deadline", 1, 600000),
    XINYU_KEY(llm.attempt_first_token_ms,
              "per attempt: no first token by then -> retry / next endpoint", 1, 600000),
    XINYU_KEY(llm.max_attempts, "attempts per endpoint, only before the first token", 1, 20),
    XINYU_KEY(llm.backoff_ms, "first retry delay (doubling, full jitter; 429 Retry-After wins)", 0,
              600000),
    XINYU_KEY(llm.backoff_max_ms, "longest retry delay", 0, 600000),
    XINYU_KEY(llm.breaker_failures, "consecutive failures that open an endpoint's circuit breaker",
              1, 1000),
    XINYU_KEY(llm.breaker_cooldown_ms, "open breaker: time before one half-open probe", 1, 3600000),
    XINYU_KEY(llm.max_streams, "upstream streams at once (more wait in the queue)", 1, 100000),
    XINYU_KEY(llm.queue_max, "replies waiting for a stream slot; beyond it: fallback reply", 0,
              1000000),
    XINYU_KEY(llm.queue_timeout_ms, "longest wait for a stream slot; then: fallback reply", 1,
              600000),
    XINYU_KEY(llm.drain_body_ms,
              "after a reply's last token, how long the rest of the upstream response may take so "
              "that its connection is kept for reuse",
              1, 60000),
    XINYU_KEY(llm.pool_per_endpoint, "idle keep-alive connections kept per endpoint", 0, 10000),
    XINYU_KEY(llm.temperature, "sampling temperature sent upstream", 0, 2),
    XINYU_KEY(llm.stream_usage,
              "ask endpoints for the usage chunk (stream_options.include_usage) so token metrics "
              "count real tokens; turn off for an endpoint that rejects the field"),
    XINYU_KEY(llm.tls_verify, "verify upstream certificates and host names (system CA store)"),
    XINYU_KEY(llm.ca_file, "PEM bundle to trust instead of the system store"),
    XINYU_KEY(llm.workers, "LLM stream workers (each runs many streams)", 1, 256),
    XINYU_KEY(llm.start_deadline_ms, "deadline for a worker to accept a stream", 1, 600000),
    XINYU_KEY(llm.first_token_deadline_ms, "no first token by then: fallback reply", 1, 600000),
    XINYU_KEY(llm.stall_deadline_ms,
              "gap between tokens after which the reply ends (error); with a next endpoint "
              "configured the upstream client calls a stream stalled at 3/4 of it and the next "
              "endpoint continues the reply",
              1, 600000),
    XINYU_KEY(llm.total_deadline_ms, "whole-reply deadline (finish error, tokens kept)", 1,
              3600000),
    XINYU_KEY(llm.max_tokens, "reply token cap (finish length)", 1, 100000),
    XINYU_KEY(offline.first_token_ms, "offline provider: delay to the first token", 0, 600000),
    XINYU_KEY(offline.tokens_per_s, "offline provider: pace after the first token; 0 = no pacing",
              0, 1000000),
    XINYU_KEY(offline.context_window,
              "prompt window in tokens when the offline provider answers (no endpoint)", 512,
              100000000),
    XINYU_KEY(offline.reply_reserve, "of offline.context_window, the part kept for the reply", 1,
              100000000),
    XINYU_KEY(persona, "system persona put at the top of every prompt"),
    XINYU_KEY(care.disclosure, "send the ai_disclosure notice after ready"),
    XINYU_KEY(care.disclosure_interval_s,
              "send the ai_disclosure notice again after this much use; 0 = only after ready", 0,
              604800),
    XINYU_KEY(care.break_after_s,
              "a break_reminder notice after this much continuous use (and again after as much "
              "more); 0 = off",
              0, 604800),
    XINYU_KEY(care.break_reset_s,
              "a pause this long between turns ends a stretch of continuous use", 1, 604800),
    XINYU_KEY(care.disclosure_text,
              "the ai_disclosure notice's text (say it in every language you serve)"),
    XINYU_KEY(care.break_text,
              "the break_reminder notice's text; {minutes} is replaced by the minutes of use"),
    XINYU_KEY(care.minor_reminder_interval_s,
              "for a minor (token claim age_band \"minor\"): the AI disclosure and a break "
              "reminder at least this often; 0 = as for adults",
              0, 604800),
    XINYU_KEY(care.handoff_timeout_s,
              "a chat of a user an operator took over that gets no operator reply this long is "
              "answered by the AI (degraded: human)",
              1, 86400),
    XINYU_KEY(care.operator_sees_text,
              "crisis alerts to operators carry the user's message text (off: level, category, "
              "user, turn and time only)"),
    XINYU_KEY(care.emergency_contacts,
              "users may register an emergency contact (frame or POST /v1/emergency_contact), "
              "sealed at rest with care.contact_key; on a crisis with intent or a plan the "
              "escalation webhook carries it. A deployment choice: off by default"),
    XINYU_KEY(care.contact_key,
              "AES-256-GCM key sealing emergency contacts at rest: 32 random bytes in base64 "
              "(XINYU_CARE_CONTACT_KEY keeps it out of files); required with "
              "care.emergency_contacts"),
    XINYU_KEY(care.escalation_url,
              "crisis events are POSTed here as JSON (the operators' alert: user, id, turn, level, "
              "categories, ts; text only with care.operator_sees_text); empty = off"),
    XINYU_KEY(care.escalation_api_key_env,
              "environment variable holding a bearer token for the escalation webhook"),
    XINYU_KEY(care.escalation_timeout_ms, "deadline of one escalation POST", 1, 60000),
    XINYU_KEY(care.escalation_attempts,
              "tries per crisis event (doubling backoff); then it is counted as failed", 1, 20),
    XINYU_KEY(care.escalation_backoff_ms, "first retry delay of an escalation POST", 0, 600000),
    XINYU_KEY(care.escalation_queue_max,
              "crisis events waiting for the webhook; beyond it new ones are dropped and counted",
              1, 1000000),
    XINYU_KEY(care.handoff_human_text,
              "the handoff notice a user gets when an operator takes over"),
    XINYU_KEY(care.handoff_ai_text, "the handoff notice a user gets when handed back to the AI"),
    XINYU_KEY(log.level,
              "least severe log lines written: \"debug\", \"info\", \"warn\" or \"error\""),
    XINYU_KEY(log.turns, "log one JSON line per turn (user, turn, id, finish, every stage timing)"),
    XINYU_KEY(
      log.user_hash_secret,
      "key of the pseudonyms that stand for user ids in logs (u: + 16 hex digits of HMAC-SHA256); "
      "keep it to correlate lines across restarts, delete it to make old logs unlinkable; empty = "
      "a random key per run (XINYU_LOG_USER_HASH_SECRET keeps it out of files)"),
    XINYU_KEY(log.text,
              "also log the message text and the reply (off: conversations stay private)"),
  };
  return keys;
}

} // namespace xinyu::core
