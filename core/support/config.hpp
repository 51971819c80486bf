// Typed server configuration: embedded defaults, a JSON file, XINYU_* environment variables
// and flags, validated into one struct. Must never exit the process: errors are returned.
#pragma once

#include "core/analysis/conversation_risk.hpp"
#include "core/policy/care_notices.hpp"

#include <chrono>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xinyu::core {

/// Whole seconds of a component's default duration (for keys given in seconds).
constexpr unsigned seconds_of(std::chrono::milliseconds d) {
  return static_cast<unsigned>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

struct config {
  struct {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string name = "xinyu/0.1";
    std::string tls_cert; // PEM certificate chain: set with tls_key, the port speaks only TLS
    std::string tls_key;  // PEM private key
  } server;
  struct {
    unsigned threads = 1;
    unsigned handshake_timeout_ms = 10000;
    unsigned auth_timeout_ms = 5000;
    std::size_t max_frame_bytes = 65536;
    std::size_t max_queued_frames = 1024;
    unsigned max_bad_frames = 20;
    std::size_t pre_auth_max_frames = 16;
    std::size_t pre_auth_max_bytes = 16384;
    unsigned close_timeout_ms = 2000;
    unsigned idle_timeout_ms = 120000;
    unsigned keepalive_ms = 15000; // while a reply is awaited: SSE comments, WebSocket pings
    std::size_t max_connections = 15000;
    std::size_t max_connections_per_ip = 2000;
    double connections_per_second_per_ip = 200; // new connections (handshakes); 0 = unlimited
    double connection_burst_per_ip = 2000;
    std::size_t max_connections_per_user = 32;
    std::vector<std::string> allowed_origins; // besides the page's own origin
    std::vector<std::string> allowed_hosts;   // dev mode: besides localhost / loopback addresses
    unsigned http_persisted_wait_ms = 10000;
    unsigned http_deadline_slack_ms = 10000;
    unsigned accept_backoff_ms = 100;
  } transport;
  struct {
    std::size_t max_text_bytes = 8000;
    std::size_t max_user_bytes = 128;
    std::size_t max_inflight_turns = 100000;
    std::size_t max_worker_queue = 256;
    double chats_per_minute = 30; // per user; 0 = unlimited
    double chat_burst = 10;
    double commands_per_minute = 120; // history, forget, resume, cancel; 0 = unlimited
    double command_burst = 20;
  } limits;
  struct {
    unsigned max_restarts = 10;
    unsigned window_s = 10;
    unsigned probe_after_ms = 5000;
  } supervision;
  struct {
    std::string secret; // empty = dev mode
    // header naming the end user when a platform token (role "platform") calls the OpenAI
    // facade; empty = platforms chat as themselves
    std::string platform_user_header = "X-OpenWebUI-User-Id";
  } auth;
  struct {
    std::string token;  // empty: /admin/* from loopback in dev mode only, off otherwise
    std::string listen; // "host:port" of a separate admin listener; empty = the main port
  } admin;
  struct {
    std::size_t max_queued_turns = 8;
    std::size_t summary_tokens = 400;  // the running summary of turns the window let go; 0: none
    bool summary_by_llm = true;        // with an upstream LLM, it writes the summary (else rules)
    std::size_t recent_messages = 128; // the prompt's window of recent messages, at most
    std::size_t keep_turns = 50;
    std::size_t max_known_facts = 512; // facts remembered as already told, per session
    unsigned bookkeeping_deadline_ms = 5000;
    unsigned idle_s = 300;
  } session;
  struct {
    std::string backend = "rocksdb"; // rocksdb | postgres
    std::string postgres;            // libpq connection string (backend postgres)
    std::string path = "./data";
    bool sync = true;
    unsigned flush_interval_ms = 2;
    std::size_t batch_max = 256;
    std::size_t high_water = 5000;
    unsigned retry_initial_ms = 50;
    unsigned retry_max_ms = 5000;
    unsigned load_timeout_ms = 5000;
    unsigned retry_after_ms = 1000;
  } storage;
  struct {
    std::string redis;         // "host:port" or "unix:/path"; empty: a single node
    std::string node_id;       // unique per node; empty: hostname-pid
    unsigned lease_ms = 10000; // a user's ownership lease, renewed every third of it
    unsigned redis_timeout_ms = 1000;
    unsigned forward_timeout_ms = 5000; // a forwarded chat is accepted (or refused) within this
    std::size_t bus_queue_max = 100000; // node-to-node messages waiting for Redis; more dropped
  } cluster;
  struct {
    unsigned drain_s = 10;
  } shutdown;
  std::string chaos_json = "{}"; // failure injection, validated by core::chaos_settings
  struct {
    unsigned threads = 0; // 0 = one per core
    // How an idle CAF worker waits for work: spin, then poll with short sleeps, then sleep
    // on a condition variable until work is enqueued (CAF's work-stealing policy).
    unsigned spin_polls = 100;    // polls without sleeping (CAF: aggressive-poll-attempts)
    unsigned sleepy_polls = 0;    // polls with a sleep between (moderate-poll-attempts; CAF: 500)
    unsigned sleepy_poll_us = 50; // that sleep (moderate-sleep-duration)
  } scheduler;
  struct stage {
    unsigned workers = 2;
    unsigned deadline_ms = 200;
  };
  struct : stage {
    std::string model = "auto"; // fastText .bin/.ftz; "auto" = the build's; empty = lexicon only
  } emotion;
  struct : stage {
    std::string model = "auto"; // fastText .bin/.ftz; "auto" = the build's; empty = rules only
    // the defaults are the component's own (one place for each value)
    double risk_half_life_s = conversation_risk_settings{}.half_life_s;
    double risk_crisis_at = conversation_risk_settings{}.crisis_at;
    struct {
      std::string base_url; // empty: no external guard model
      std::string model;
      std::string shape = "chat"; // chat (Llama Guard) | moderations
      std::string api_key_env;
      unsigned deadline_ms = 300;
      unsigned workers = 4;
    } guard;
    std::map<std::string, std::vector<std::string>> crisis_resources = {
      {"zh",
       {"全国心理援助热线：400-161-9995（24小时）", "北京心理危机研究与干预中心：010-82951332",
        "如有紧急危险，请立即拨打 110 或 120"}},
      {"en",
       {"US: call or text 988 (Suicide & Crisis Lifeline)", "UK & Ireland: Samaritans 116 123",
        "Elsewhere: find a local line at findahelpline.com, or call your emergency number"}}};
  } safety;
  struct : stage {
    std::size_t top_k = 3;
    double min_similarity = 0.12;
    std::size_t max_items_per_user = 500;
    std::size_t max_removed_per_user = 1024;
    std::size_t core_tokens = 256; // the always-present profile (core memory); 0: none
    std::size_t cache_bytes = 8u << 20;
    unsigned cache_ttl_ms = 60000;
    std::size_t hnsw_m = 16;
    std::size_t hnsw_ef_search = 64;
    std::size_t hnsw_min_items = 256;
    struct {
      std::string base_url; // empty: built-in hashed embeddings
      std::string model;
      std::string api_key_env;
      unsigned timeout_ms = 150;
    } embeddings;
  } memory;
  struct endpoint {
    std::string name;
    std::string base_url;
    std::string model;
    std::string api_key_env;
    std::size_t context_window = 8192; // the model's window in tokens (prompt + reply)
    std::size_t reply_reserve = 1024;  // of it, kept for the reply; the prompt gets the rest
  };
  /// The LLM section; also the upstream client's settings as they are (llm/upstream_client).
  struct llm_config {
    std::string provider = "offline";
    std::vector<endpoint> endpoints; // tried in order
    unsigned connect_timeout_ms = 3000;
    unsigned attempt_first_token_ms = 8000;
    unsigned max_attempts = 2;
    unsigned backoff_ms = 200;
    unsigned backoff_max_ms = 2000;
    unsigned breaker_failures = 5;
    unsigned breaker_cooldown_ms = 30000;
    unsigned max_streams = 256;
    unsigned queue_max = 1024;
    unsigned queue_timeout_ms = 2000;
    unsigned pool_per_endpoint = 32;
    unsigned drain_body_ms = 1000;
    double temperature = 0.7;
    bool stream_usage = true;
    bool tls_verify = true;
    std::string ca_file;
    unsigned workers = 2;
    unsigned start_deadline_ms = 1000;
    unsigned first_token_deadline_ms = 10000;
    unsigned stall_deadline_ms = 10000;
    unsigned total_deadline_ms = 120000;
    unsigned max_tokens = 512;
  } llm;
  struct {
    unsigned first_token_ms = 150;
    double tokens_per_s = 30;
    std::size_t context_window = 8192; // the prompt budget when no endpoint is used
    std::size_t reply_reserve = 1024;
  } offline;
  std::string persona =
    "You are Xinyu (心语), a warm, patient AI companion. You listen first, reflect feelings back, "
    "and offer gentle, practical support. You are not a therapist and say so when it matters.";
  struct care_config {
    bool disclosure = care_settings{}.disclosure;
    // the defaults are care_settings' own, in seconds (one place for each value)
    unsigned disclosure_interval_s = seconds_of(care_settings{}.disclosure_interval);
    unsigned break_after_s = seconds_of(care_settings{}.break_after);
    unsigned break_reset_s = seconds_of(care_settings{}.break_reset);
    std::string disclosure_text = default_disclosure_text;
    std::string break_text = default_break_text; // {minutes} = minutes of use
    unsigned handoff_timeout_s = 60; // a taken-over chat unanswered this long: the AI replies
    unsigned minor_reminder_interval_s =
      seconds_of(care_settings{}.minor_interval); // a minor's disclosure and break reminders
    bool operator_sees_text = false;              // crisis alerts carry the message text
    bool emergency_contacts = false; // users may register one (sealed at rest with contact_key)
    std::string contact_key;         // base64 of 32 bytes (AES-256-GCM)
    std::string escalation_url;      // crisis events are POSTed here (empty: off)
    std::string escalation_api_key_env;
    unsigned escalation_timeout_ms = 2000;
    unsigned escalation_attempts = 5;
    unsigned escalation_backoff_ms = 500;
    std::size_t escalation_queue_max = 1000;
    std::string handoff_human_text =
      "A person from our support team has joined the conversation. 我们的一位工作人员已加入对话。";
    std::string handoff_ai_text =
      "You're talking with the AI companion again. 你现在又在和 AI 陪伴助手聊天了。";
  } care;
  struct {
    std::string level = "info";   // debug, info, warn or error: lines below it are dropped
    bool turns = true;            // one JSON line per turn with its stage timings
    bool text = false;            // include the user's text and the reply (privacy: off by default)
    std::string user_hash_secret; // key of the user pseudonyms in logs; empty = random per run
  } log;
};

struct config_result {
  std::optional<config> value;
  std::string error; // one clear sentence when value is empty
};

/// Parses a JSON document (comments allowed) over the embedded defaults. Unknown keys and
/// values of the wrong type or out of range are errors; a syntax error names line and column. `env`
/// maps XINYU_* names to values (applied after the file).
config_result load_config(const std::string& json_text,
                          const std::map<std::string, std::string>& env = {});

/// Reads `path` (empty: defaults only) and applies `env`.
config_result load_config_file(const std::string& path,
                               const std::map<std::string, std::string>& env);

/// One entry per key: "  key = default" and an indented description with the env name, for
/// --help.
std::string describe_config_keys();

/// The keys as a Markdown table (docs/configuration.md is this, checked by a test).
std::string describe_config_markdown();

/// The care-notice policy's settings from the `care.*` keys.
care_settings care_settings_of(const config::care_config& care);

/// The embedded defaults as pretty JSON.
std::string default_config_json();

} // namespace xinyu::core
