// OpenAI-compatible streaming client on Boost.Beast (HTTP and HTTPS with verification), with a
// bounded keep-alive pool per endpoint, retries before the first token, continuation on the next
// endpoint after a mid-stream break, circuit breakers and a bounded stream queue. All state lives
// on one I/O thread; must never log the API key or a reply's text.
// Over 400 lines: one stream's attempt state machine (connect, TLS, request, SSE, retry,
// fallback, continuation, reuse) is one unit; split, its invariants would span files.
// Over 400 lines: one Beast client (attempts, pool, chain, breaker); splitting it would add Beast
// TUs.
#include "llm/upstream_client.hpp"

#include "llm/stream_metrics.hpp"

#include "core/support/log.hpp"

#include "core/policy/circuit_breaker.hpp"
#include "core/policy/token_count.hpp"
#include "core/protocol/chat_completion_request.hpp"
#include "core/support/metrics.hpp"
#include "core/protocol/sse_parser.hpp"
#include "llm/endpoint_url.hpp"
#include "llm/tls_client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <deque>
#include <iostream>
#include <random>
#include <thread>

namespace xinyu::llm {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using clock = std::chrono::steady_clock;
using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
using std::chrono::milliseconds;

class client_impl;

struct endpoint_state {
  endpoint_config cfg;
  endpoint_url url;
  std::string api_key;
  core::circuit_breaker breaker;
  std::vector<std::unique_ptr<plain_stream>> idle_plain;
  std::vector<std::unique_ptr<tls_stream>> idle_tls;
  core::counter* ok = nullptr;
  core::counter* failed = nullptr;
  core::gauge* open = nullptr;
  std::optional<stream_metrics> figures = std::nullopt; // by endpoint and model
  core::counter* continued_ok = nullptr;     // asked to continue a broken reply: it finished it
  core::counter* continued_failed = nullptr; // ... it failed or broke too
};

/// Added to the system message of a continuation: servers that continue a final assistant
/// message (llama.cpp, Ollama) do so anyway; those that open a new assistant turn (vLLM without
/// continue_final_message, OpenAI) are told to write only the rest.
constexpr std::string_view continue_instruction =
  "Your previous reply was cut off. The last assistant message is its beginning: continue it "
  "from exactly where it stops, without repeating any of it and without mentioning the "
  "interruption.";

/// The messages of a continuation: the original prompt with the instruction in its system
/// message (one is added when there is none) and the partial reply as the final assistant
/// message. No vendor-specific field: a strict server (OpenAI) refuses unknown ones.
std::vector<core::chat_message> continuation_messages(std::vector<core::chat_message> messages,
                                                      const std::string& partial) {
  if (!messages.empty() && messages.front().role == "system")
    messages.front().content += "\n\n" + std::string{continue_instruction};
  else
    messages.insert(messages.begin(), {"system", std::string{continue_instruction}});
  messages.push_back({"assistant", partial});
  return messages;
}

/// What one finished stream used: the endpoint's `usage` when it sent one (-1 when not) and
/// the content chunks seen, the fallback count of output tokens.
struct stream_usage {
  long long prompt_tokens = -1;
  long long completion_tokens = -1;
  std::size_t content_chunks = 0;
};

class attempt_base {
public:
  virtual ~attempt_base() = default;
  virtual void abort() = 0;
};

/// A warning about one reply's upstream stream; `traceparent` links it to the turn's log line
/// (its trace id is the turn's `trace_id`).
void log_warn(const std::string& event, const std::string& endpoint, const std::string& detail,
              std::string_view traceparent) {
  auto trace_id = traceparent.size() == 55 ? traceparent.substr(3, 32) : std::string_view{};
  core::log::warn(event, {{"endpoint", endpoint}, {"detail", detail}, {"trace_id", trace_id}});
}

/// One streamed completion across attempts and endpoints. Lives on the client's I/O thread
/// except cancel(), which posts there.
class stream_op final : public stream_handle, public std::enable_shared_from_this<stream_op> {
public:
  stream_op(client_impl& c, nlohmann::json body, std::vector<core::chat_message> prompt,
            stream_callbacks cb);

  void cancel() override;

  void admitted();
  void queue_timeout();
  void attempt_failed(std::size_t ep, const std::string& why, bool retryable,
                      milliseconds retry_after);
  void attempt_stale(std::size_t ep); // a pooled connection was dead: retry at once, no penalty
  void first_token(std::size_t ep);
  void token(std::string text);
  void finish(std::size_t ep, const std::string& reason, const stream_usage& usage);
  /// The stream of `ep` broke after `chunks` content chunks: the reply continues on the next
  /// endpoint, or (none left) ends with "error" and the text given so far.
  void fail_midstream(std::size_t ep, const std::string& why, std::size_t chunks);
  void end(std::string finish, std::string error);

  bool ended() const { return ended_; }
  /// The current attempts continue a reply that broke: an empty but finished stream ends it.
  bool continuing() const { return continuing_; }
  /// The request for `ep`: the prompt (or the continuation) cut to the endpoint's window less
  /// its reply reserve, and max_tokens to what the window leaves.
  std::string body_for(const endpoint_state& ep);

  net::steady_timer timer;
  clock::time_point created = clock::now();
  clock::time_point first_token_at;
  std::size_t prompt_estimate = 0; // approximate input tokens, when the endpoint reports none
  std::string traceparent;         // sent as the W3C header when set

private:
  void try_endpoint(bool fresh_connection = false);
  /// Drops a continuation's repetition of the partial reply: its text is held while it is
  /// still a prefix of `partial_` (at most that many bytes); once it is all of it, that much
  /// is dropped; once it differs, everything held goes on.
  bool hold_echo(std::string& text);

  client_impl& c_;
  std::string other_members_; // the body's members after max_tokens: `,"stream":true,...`
  std::vector<core::chat_message> prompt_; // as built; each endpoint gets it cut to its window
  unsigned max_tokens_ = 0; // the reply's bound across the original stream and continuations
  unsigned reply_left_ = 0; // of it, what the current attempts may still write
  stream_callbacks cb_;
  std::size_t ep_ = 0;
  unsigned attempts_ = 0;
  bool ended_ = false;
  bool admitted_ = false;
  std::shared_ptr<attempt_base> attempt_;
  std::string partial_;     // the reply's text given on so far: what a continuation extends
  std::size_t chunks_ = 0;  // content chunks of the streams that broke (their output tokens)
  bool continuing_ = false; // the attempts now continue a broken reply
  bool echo_check_ = false; // a continuation's first text may repeat `partial_`
  std::string held_;        // ... and is held until that is decided
};

class client_impl final : public upstream_client {
public:
  explicit client_impl(upstream_config cfg)
    : ssl_ctx(ssl::context::tls_client), cfg(std::move(cfg)), guard_(net::make_work_guard(ioc)) {}

  ~client_impl() override {
    guard_.reset();
    ioc.stop();
    if (thread_.joinable())
      thread_.join();
  }

  bool init(std::string& error) {
    if (cfg.endpoints.empty()) {
      error = "llm.endpoints is empty: name at least one OpenAI-compatible endpoint";
      return false;
    }
    for (std::size_t i = 0; i < cfg.endpoints.size(); ++i) {
      const auto& e = cfg.endpoints[i];
      auto u = parse_endpoint_url(e.base_url);
      auto where = "llm.endpoints[" + std::to_string(i) + "]";
      if (!u) {
        error = where + ".base_url '" + e.base_url + "' is not an http:// or https:// URL";
        return false;
      }
      if (e.model.empty()) {
        error = where + ".model must not be empty";
        return false;
      }
      std::string key;
      if (!e.api_key_env.empty()) {
        const char* v = std::getenv(e.api_key_env.c_str());
        if (!v || !*v) {
          error = where + ".api_key_env names the environment variable '" + e.api_key_env
                  + "', which is not set";
          return false;
        }
        key = v;
      }
      endpoint_state st{e,
                        *u,
                        std::move(key),
                        core::circuit_breaker{cfg.breaker_failures,
                                              milliseconds{cfg.breaker_cooldown_ms}},
                        {},
                        {},
                        nullptr,
                        nullptr,
                        nullptr};
      auto endpoint_name = e.name.empty() ? u->host : e.name;
      auto label = core::metric_label("endpoint", endpoint_name);
      st.ok = &core::metrics().get_counter("xinyu_llm_attempts_total",
                                           "upstream LLM attempts by endpoint and result",
                                           label + ",result=\"ok\"");
      st.failed = &core::metrics().get_counter("xinyu_llm_attempts_total",
                                               "upstream LLM attempts by endpoint and result",
                                               label + ",result=\"failed\"");
      st.open = &core::metrics().get_gauge("xinyu_llm_breaker_open",
                                           "1 while an endpoint's circuit breaker is open", label);
      st.figures.emplace(endpoint_name, e.model);
      constexpr const char* continued_help =
        "replies whose upstream stream broke after some text and that this endpoint was asked "
        "to continue, by result (ok: it finished the reply; failed: it failed or broke too)";
      st.continued_ok = &core::metrics().get_counter("xinyu_llm_midstream_fallbacks_total",
                                                     continued_help, label + ",result=\"ok\"");
      st.continued_failed =
        &core::metrics().get_counter("xinyu_llm_midstream_fallbacks_total", continued_help,
                                     label + ",result=\"failed\"");
      eps.push_back(std::move(st));
    }
    if (!configure_tls_client(ssl_ctx, cfg.tls_verify, cfg.ca_file, error))
      return false;
    thread_ = std::thread([this] { ioc.run(); });
    return true;
  }

  std::shared_ptr<stream_handle> start(const llm_request& req, stream_callbacks cb) override {
    nlohmann::json body{{"model", ""},
                        {"messages", nlohmann::json::array()},
                        {"stream", true},
                        {"max_tokens", req.max_tokens},
                        {"temperature", cfg.temperature}};
    if (cfg.stream_usage)
      body["stream_options"] = {{"include_usage", true}};
    if (!req.stop.empty())
      body["stop"] = req.stop;
    auto op = std::make_shared<stream_op>(*this, std::move(body), req.prompt, std::move(cb));
    op->prompt_estimate = req.prompt_tokens;
    op->traceparent = req.traceparent;
    net::post(ioc, [this, op] { admit(op); });
    return op;
  }

  // --- on the I/O thread -------------------------------------------------------------------

  void admit(const std::shared_ptr<stream_op>& op) {
    if (op->ended())
      return; // cancelled before it got here
    if (active_ < cfg.max_streams) {
      ++active_;
      active_gauge.set(static_cast<std::int64_t>(active_));
      op->admitted();
      return;
    }
    if (queue_.size() >= cfg.queue_max) {
      shed_full.inc();
      op->end("error", "upstream queue full (llm.queue_max)");
      return;
    }
    queue_.push_back(op);
    queue_gauge.set(static_cast<std::int64_t>(queue_.size()));
    op->timer.expires_after(milliseconds{cfg.queue_timeout_ms});
    op->timer.async_wait([op](beast::error_code ec) {
      if (!ec)
        op->queue_timeout();
    });
  }

  void release() {
    --active_;
    while (!queue_.empty()) {
      auto op = queue_.front();
      queue_.pop_front();
      if (op->ended())
        continue;
      ++active_;
      op->timer.cancel();
      op->admitted();
      break;
    }
    active_gauge.set(static_cast<std::int64_t>(active_));
    queue_gauge.set(static_cast<std::int64_t>(queue_.size()));
  }

  void queue_timed_out() {
    shed_timeout.inc();
    // the op removes itself lazily: release() skips ended ops
    std::size_t live = 0;
    for (auto& q : queue_)
      live += q->ended() ? 0 : 1;
    queue_gauge.set(static_cast<std::int64_t>(live));
  }

  std::shared_ptr<attempt_base> launch(const std::shared_ptr<stream_op>& op, std::size_t ep,
                                       bool fresh);

  double random01() { return std::uniform_real_distribution<double>{0, 1}(rng_); }

  net::io_context ioc;
  ssl::context ssl_ctx;
  std::vector<endpoint_state> eps;
  upstream_config cfg;
  core::gauge& active_gauge =
    core::metrics().get_gauge("xinyu_llm_streams_active", "upstream LLM streams in progress");
  core::gauge& queue_gauge =
    core::metrics().get_gauge("xinyu_llm_queue",
                              "replies waiting for an upstream stream slot (llm.max_streams)");
  core::counter& shed_full =
    core::metrics().get_counter("xinyu_llm_shed_total",
                                "replies refused by the upstream concurrency bound",
                                "reason=\"queue_full\"");
  core::counter& shed_timeout =
    core::metrics().get_counter("xinyu_llm_shed_total",
                                "replies refused by the upstream concurrency bound",
                                "reason=\"queue_timeout\"");
  core::histogram& queue_wait = core::metrics().get_histogram(
    "xinyu_llm_queue_wait_seconds",
    "time a reply waited for an upstream stream slot (llm.max_streams)");

private:
  net::executor_work_guard<net::io_context::executor_type> guard_;
  std::thread thread_;
  std::size_t active_ = 0;
  std::deque<std::shared_ptr<stream_op>> queue_;
  std::minstd_rand rng_{std::random_device{}()};
};

/// One HTTP request/response on a `Stream` (plain TCP or TLS).
template <class Stream>
class attempt final : public attempt_base, public std::enable_shared_from_this<attempt<Stream>> {
public:
  attempt(client_impl& c, std::shared_ptr<stream_op> op, std::size_t ep,
          std::unique_ptr<Stream> pooled)
    : c_(c), op_(std::move(op)), ep_(ep), stream_(std::move(pooled)), resolver_(c.ioc) {
    reused_ = stream_ != nullptr;
  }

  void run() {
    if (stream_) {
      send();
      return;
    }
    auto& e = c_.eps[ep_];
    if constexpr (std::is_same_v<Stream, tls_stream>)
      stream_ = std::make_unique<Stream>(c_.ioc, c_.ssl_ctx);
    else
      stream_ = std::make_unique<Stream>(c_.ioc);
    resolver_.async_resolve(e.url.host, std::to_string(e.url.port),
                            [self = this->shared_from_this()](beast::error_code ec,
                                                              tcp::resolver::results_type r) {
                              if (self->aborted_)
                                return;
                              if (ec)
                                return self->fail("cannot resolve host: " + ec.message());
                              self->connect(r);
                            });
  }

  void abort() override {
    aborted_ = true;
    resolver_.cancel();
    if (stream_) {
      beast::error_code ec;
      beast::get_lowest_layer(*stream_).socket().close(ec);
    }
  }

private:
  void connect(const tcp::resolver::results_type& r) {
    auto& lowest = beast::get_lowest_layer(*stream_);
    lowest.expires_after(milliseconds{c_.cfg.connect_timeout_ms});
    lowest.async_connect(r, [self = this->shared_from_this()](beast::error_code ec,
                                                              const tcp::endpoint&) {
      if (self->aborted_)
        return;
      if (ec)
        return self->fail("cannot connect: " + ec.message());
      beast::error_code ignored;
      beast::get_lowest_layer(*self->stream_).socket().set_option(tcp::no_delay(true), ignored);
      if constexpr (std::is_same_v<Stream, tls_stream>)
        self->handshake();
      else
        self->send();
    });
  }

  void handshake() {
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      auto& host = c_.eps[ep_].url.host;
      if (!SSL_set_tlsext_host_name(stream_->native_handle(), host.c_str()))
        return fail("cannot set TLS server name");
      if (c_.cfg.tls_verify)
        stream_->set_verify_callback(ssl::host_name_verification(host));
      stream_->async_handshake(ssl::stream_base::client,
                               [self = this->shared_from_this()](beast::error_code ec) {
                                 if (self->aborted_)
                                   return;
                                 if (ec)
                                   return self->fail("TLS handshake failed: " + ec.message());
                                 self->send();
                               });
    }
  }

  void send() {
    auto& e = c_.eps[ep_];
    req_.method(http::verb::post);
    req_.target(e.url.path + "/chat/completions");
    req_.version(11);
    bool default_port = e.url.port == (e.url.tls ? 443 : 80);
    req_.set(http::field::host,
             default_port ? e.url.host : e.url.host + ":" + std::to_string(e.url.port));
    req_.set(http::field::user_agent, "xinyu/0.1");
    req_.set(http::field::content_type, "application/json");
    req_.set(http::field::accept, "text/event-stream");
    if (!op_->traceparent.empty())
      req_.set("traceparent", op_->traceparent);
    if (!e.api_key.empty())
      req_.set(http::field::authorization, "Bearer " + e.api_key);
    req_.keep_alive(true);
    req_.body() = op_->body_for(e);
    req_.prepare_payload();
    beast::get_lowest_layer(*stream_).expires_after(milliseconds{c_.cfg.attempt_first_token_ms});
    http::async_write(*stream_, req_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (self->aborted_)
                          return;
                        if (ec)
                          return self->fail_io("sending the request failed", ec);
                        self->read_header();
                      });
  }

  void read_header() {
    parser_.emplace();
    parser_->body_limit(boost::none);
    http::async_read_header(*stream_, buf_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (self->aborted_)
                                return;
                              if (ec)
                                return self->fail_io("no response", ec);
                              self->on_header();
                            });
  }

  void on_header() {
    got_header_ = true;
    auto& res = parser_->get();
    auto status = res.result_int();
    if (status != 200) {
      milliseconds retry_after{0};
      if (auto it = res.find(http::field::retry_after); it != res.end()) {
        std::string v{it->value()};
        char* end = nullptr;
        double secs = std::strtod(v.c_str(), &end);
        if (end != v.c_str() && secs >= 0)
          retry_after = milliseconds{static_cast<long>(secs * 1000)};
      }
      bool retryable = status == 408 || status == 409 || status == 429 || status >= 500;
      close();
      return op_->attempt_failed(ep_, "HTTP " + std::to_string(status), retryable, retry_after);
    }
    read_body();
  }

  void read_body() {
    auto& body = parser_->get().body();
    body.data = body_buf_;
    body.size = sizeof body_buf_;
    http::async_read_some(*stream_, buf_, *parser_,
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                            if (self->aborted_)
                              return;
                            if (ec == http::error::need_buffer)
                              ec = {};
                            self->on_body(ec);
                          });
  }

  void on_body(beast::error_code ec) {
    auto n = sizeof body_buf_ - parser_->get().body().size;
    if (n > 0 && !finished_) {
      bool ok = sse_.feed(std::string_view{body_buf_, n}, [this](core::sse_event&& ev) {
        if (!finished_)
          on_event(ev);
      });
      flush_text(); // what arrived in one read goes on as one piece
      if (!ok && !finished_)
        stream_error("an SSE line exceeded the size limit");
    }
    if (ec) {
      if (finished_) {
        close(); // draining after [DONE] failed: just drop the connection
        return;
      }
      if (ec == beast::error::timeout)
        return got_token_ ? stream_error("no token for " + std::to_string(stall_ms()) + " ms")
                          : fail("no first token within "
                                 + std::to_string(c_.cfg.attempt_first_token_ms) + " ms");
      return fail_io("connection lost", ec);
    }
    if (parser_->is_done()) {
      if (!finished_) {
        finished_ = true;
        if ((got_token_ || op_->continuing()) && saw_finish_)
          op_->finish(ep_, finish_reason_, usage_); // e.g. llama.cpp: a finish_reason, then EOF
        else if (got_token_)
          op_->fail_midstream(ep_, "the stream ended without [DONE] or a finish_reason",
                              usage_.content_chunks);
        else
          op_->attempt_failed(ep_, "the stream ended without any text", true, milliseconds{0});
      }
      if (parser_->get().keep_alive() && !aborted_)
        give_back();
      else
        close();
      return;
    }
    read_body();
  }

  /// Hands the text gathered from the current read to the session as one piece.
  void flush_text() {
    if (!pending_text_.empty()) {
      op_->token(std::move(pending_text_));
      pending_text_.clear();
    }
  }

  void on_event(const core::sse_event& ev) {
    auto chunk = core::parse_completion_chunk(ev.data);
    using k = core::completion_chunk::kind;
    if (chunk.type != k::content && chunk.type != k::empty)
      flush_text(); // text before an end or an error is delivered first
    if (chunk.prompt_tokens >= 0)
      usage_.prompt_tokens = chunk.prompt_tokens;
    if (chunk.completion_tokens >= 0)
      usage_.completion_tokens = chunk.completion_tokens;
    if (!chunk.finish_reason.empty()) {
      saw_finish_ = true;
      finish_reason_ = chunk.finish_reason == "length" ? "length" : "stop";
    }
    switch (chunk.type) {
      case k::content:
        if (!got_token_) {
          got_token_ = true;
          op_->first_token(ep_);
        }
        pending_text_ += chunk.text;
        ++usage_.content_chunks;
        beast::get_lowest_layer(*stream_).expires_after(milliseconds{stall_ms()});
        break;
      case k::empty: break;
      case k::done:
        finished_ = true;
        if (got_token_ || op_->continuing()) // a continuation may have nothing left to add
          op_->finish(ep_, finish_reason_, usage_);
        else
          op_->attempt_failed(ep_, "the stream ended without any text", true, milliseconds{0});
        // keep reading to the end of the response so the connection can be reused
        beast::get_lowest_layer(*stream_).expires_after(milliseconds{c_.cfg.drain_body_ms});
        break;
      case k::error: stream_error("upstream error: " + chunk.error); break;
      case k::malformed: stream_error("malformed stream chunk"); break;
    }
  }

  /// A failure inside the response stream.
  void stream_error(const std::string& why) {
    finished_ = true;
    close();
    if (got_token_)
      op_->fail_midstream(ep_, why, usage_.content_chunks);
    else
      op_->attempt_failed(ep_, why, true, milliseconds{0});
  }

  void fail_io(const std::string& what, beast::error_code ec) {
    if (reused_ && !got_header_) {
      close(); // the server had closed the idle connection: not the endpoint's fault
      return op_->attempt_stale(ep_);
    }
    if (got_token_) {
      finished_ = true;
      close();
      return op_->fail_midstream(ep_, what + ": " + ec.message(), usage_.content_chunks);
    }
    fail(what + ": " + ec.message());
  }

  void fail(const std::string& why) {
    finished_ = true;
    close();
    op_->attempt_failed(ep_, why, true, milliseconds{0});
  }

  void close() {
    if (!stream_)
      return;
    beast::error_code ec;
    beast::get_lowest_layer(*stream_).socket().close(ec);
  }

  void give_back() {
    auto& e = c_.eps[ep_];
    beast::get_lowest_layer(*stream_).expires_never();
    if constexpr (std::is_same_v<Stream, tls_stream>) {
      if (e.idle_tls.size() < c_.cfg.pool_per_endpoint)
        e.idle_tls.push_back(std::move(stream_));
    } else {
      if (e.idle_plain.size() < c_.cfg.pool_per_endpoint)
        e.idle_plain.push_back(std::move(stream_));
    }
  }

  client_impl& c_;
  std::shared_ptr<stream_op> op_;
  std::size_t ep_;
  std::unique_ptr<Stream> stream_;
  tcp::resolver resolver_;
  bool reused_ = false;
  bool aborted_ = false;
  bool got_header_ = false;
  /// The stall deadline of this attempt: shorter while a next endpoint could continue the
  /// reply (so the client moves on before the session's own stall deadline ends it), the
  /// whole deadline on the chain's last endpoint.
  unsigned stall_ms() const {
    auto whole = c_.cfg.stall_deadline_ms;
    return ep_ + 1 < c_.eps.size() ? std::max(1u, whole - whole / 4) : whole;
  }
  bool got_token_ = false;
  std::string pending_text_; // text of the current read, not yet handed on
  bool finished_ = false;
  bool saw_finish_ = false;
  std::string finish_reason_ = "stop";
  stream_usage usage_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  core::sse_parser sse_;
  char body_buf_[8192];
};

std::shared_ptr<attempt_base> client_impl::launch(const std::shared_ptr<stream_op>& op,
                                                  std::size_t ep, bool fresh) {
  auto& e = eps[ep];
  if (e.url.tls) {
    std::unique_ptr<tls_stream> pooled;
    while (!fresh && !pooled && !e.idle_tls.empty()) {
      pooled = std::move(e.idle_tls.back());
      e.idle_tls.pop_back();
      if (!beast::get_lowest_layer(*pooled).socket().is_open())
        pooled.reset();
    }
    auto a = std::make_shared<attempt<tls_stream>>(*this, op, ep, std::move(pooled));
    a->run();
    return a;
  }
  std::unique_ptr<plain_stream> pooled;
  while (!fresh && !pooled && !e.idle_plain.empty()) {
    pooled = std::move(e.idle_plain.back());
    e.idle_plain.pop_back();
    if (!pooled->socket().is_open())
      pooled.reset();
  }
  auto a = std::make_shared<attempt<plain_stream>>(*this, op, ep, std::move(pooled));
  a->run();
  return a;
}

// --- stream_op ---------------------------------------------------------------------------

stream_op::stream_op(client_impl& c, nlohmann::json body, std::vector<core::chat_message> prompt,
                     stream_callbacks cb)
  : timer(c.ioc), c_(c), prompt_(std::move(prompt)),
    max_tokens_(body["max_tokens"].get<unsigned>()), reply_left_(max_tokens_), cb_(std::move(cb)) {
  // written once per reply: each attempt writes model, messages and max_tokens before them
  for (const char* key : {"model", "messages", "max_tokens"})
    body.erase(key);
  other_members_ = body.dump();
  other_members_ =
    other_members_.size() > 2 ? "," + other_members_.substr(1, other_members_.size() - 2) : "";
}

std::string stream_op::body_for(const endpoint_state& ep) {
  const auto window = ep.cfg.context_window;
  const auto budget = window > ep.cfg.reply_reserve ? window - ep.cfg.reply_reserve : 0;
  std::vector<core::chat_message> continued;
  if (continuing_)
    continued = continuation_messages(prompt_, partial_);
  const auto& messages = continuing_ ? continued : prompt_;
  // the prompt's tokens were counted when it was built (llm_request::prompt_tokens)
  auto fit = core::plan_fit(messages, budget, continuing_ ? 0 : prompt_estimate);
  auto room = window > fit.tokens ? window - fit.tokens : 1;
  return core::chat_completion_body(ep.cfg.model, messages, fit.keep,
                                    static_cast<unsigned>(std::min<std::size_t>(reply_left_, room)),
                                    other_members_);
}

void stream_op::cancel() {
  net::post(c_.ioc, [self = shared_from_this()] {
    if (self->ended_)
      return;
    if (self->attempt_)
      self->attempt_->abort();
    self->end("cancelled", "");
  });
}

void stream_op::admitted() {
  admitted_ = true;
  c_.queue_wait.observe(clock::now() - created);
  try_endpoint();
}

void stream_op::queue_timeout() {
  if (ended_ || admitted_)
    return;
  end("error", "no upstream stream slot within llm.queue_timeout_ms");
  c_.queue_timed_out();
}

void stream_op::try_endpoint(bool fresh_connection) {
  if (ended_)
    return;
  auto now = clock::now();
  while (ep_ < c_.eps.size()) {
    auto& e = c_.eps[ep_];
    if (e.breaker.allow(now)) {
      attempt_ = c_.launch(shared_from_this(), ep_, fresh_connection);
      return;
    }
    ++ep_; // open breaker: skip without waiting
    attempts_ = 0;
  }
  end("error", "no upstream endpoint answered");
}

void stream_op::attempt_stale(std::size_t ep) {
  if (ended_)
    return;
  attempt_ = c_.launch(shared_from_this(), ep, true);
}

void stream_op::attempt_failed(std::size_t ep, const std::string& why, bool retryable,
                               milliseconds retry_after) {
  auto& e = c_.eps[ep];
  e.failed->inc();
  e.breaker.on_failure(clock::now());
  e.open->set(e.breaker.current(clock::now()) == core::circuit_breaker::state::closed ? 0 : 1);
  log_warn("llm_attempt_failed", e.cfg.name.empty() ? e.url.host : e.cfg.name, why, traceparent);
  if (ended_)
    return;
  attempt_.reset();
  if (retryable && ++attempts_ < c_.cfg.max_attempts) {
    auto delay = core::retry_delay(attempts_, milliseconds{c_.cfg.backoff_ms},
                                   milliseconds{c_.cfg.backoff_max_ms}, c_.random01(), retry_after);
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->try_endpoint();
    });
    return;
  }
  if (continuing_)
    e.continued_failed->inc();
  ++ep_;
  attempts_ = 0;
  try_endpoint();
}

void stream_op::first_token(std::size_t ep) {
  auto& e = c_.eps[ep];
  e.ok->inc();
  e.breaker.on_success();
  e.open->set(0);
  if (continuing_)
    return; // the reply's first token came long ago
  first_token_at = clock::now();
  e.figures->first_token(first_token_at - created);
}

bool stream_op::hold_echo(std::string& text) {
  held_ += text;
  text.clear();
  if (held_.size() >= partial_.size()) {
    if (held_.compare(0, partial_.size(), partial_) == 0)
      held_.erase(0, partial_.size()); // the model repeated the partial reply: not shown twice
    echo_check_ = false;
  } else if (partial_.compare(0, held_.size(), held_) != 0) {
    echo_check_ = false; // new text: everything held goes on
  }
  if (echo_check_) {
    // still undecided: the stream is alive though nothing is shown yet, so the session's stall
    // deadline restarts (on_continue is idempotent for the session)
    if (cb_.on_continue)
      cb_.on_continue();
    return true;
  }
  text.swap(held_);
  return text.empty();
}

void stream_op::token(std::string text) {
  if (ended_ || !cb_.on_token)
    return;
  if (echo_check_ && hold_echo(text))
    return;
  partial_ += text;
  cb_.on_token(std::move(text));
}

void stream_op::finish(std::size_t ep, const std::string& reason, const stream_usage& usage) {
  if (ended_)
    return;
  auto& e = c_.eps[ep];
  if (continuing_)
    e.continued_ok->inc();
  held_.clear(); // a repetition of the partial reply that stopped short is not shown either
  echo_check_ = false;
  auto now = clock::now();
  auto output = usage.completion_tokens >= 0 ? static_cast<std::size_t>(usage.completion_tokens)
                                             : usage.content_chunks;
  auto input =
    usage.prompt_tokens >= 0 ? static_cast<std::size_t>(usage.prompt_tokens) : prompt_estimate;
  e.figures->finished(input, output, now - created, now - first_token_at);
  end(reason, "");
}

void stream_op::fail_midstream(std::size_t ep, const std::string& why, std::size_t chunks) {
  auto& e = c_.eps[ep];
  e.failed->inc();
  e.breaker.on_failure(clock::now());
  e.open->set(e.breaker.current(clock::now()) == core::circuit_breaker::state::closed ? 0 : 1);
  log_warn("llm_stream_broken", e.cfg.name.empty() ? e.url.host : e.cfg.name, why, traceparent);
  if (ended_)
    return;
  if (continuing_)
    e.continued_failed->inc();
  attempt_.reset();
  chunks_ += chunks;
  held_.clear(); // a repetition cut short: the next continuation starts from partial_ again
  echo_check_ = false;
  auto used = std::max(chunks_, core::approximate_tokens(partial_));
  if (used >= max_tokens_)
    return end("length", ""); // the reply already has all the tokens it may have
  if (ep_ + 1 >= c_.eps.size())
    return end("error", why); // no endpoint left to continue on: the text so far is the reply
  // the next endpoint continues the reply: same request, the partial reply as the assistant's
  // beginning, what is left of max_tokens; the stop sequences are the session's to enforce
  // across the join (an upstream cannot see one that straddles it)
  ++ep_;
  attempts_ = 0;
  continuing_ = true;
  reply_left_ = max_tokens_ - static_cast<unsigned>(used); // body_for builds the messages
  echo_check_ = !partial_.empty();
  if (cb_.on_continue)
    cb_.on_continue();
  try_endpoint();
}

void stream_op::end(std::string finish, std::string error) {
  if (ended_)
    return;
  ended_ = true;
  timer.cancel();
  attempt_.reset();
  if (admitted_)
    c_.release();
  if (cb_.on_end)
    cb_.on_end(std::move(finish), std::move(error));
  cb_ = {};
}

} // namespace

std::unique_ptr<upstream_client> upstream_client::make(const upstream_config& cfg,
                                                       std::string& error) {
  auto c = std::make_unique<client_impl>(cfg);
  if (!c->init(error))
    return nullptr;
  return c;
}

} // namespace xinyu::llm
