// One HTTP API call of protocol v1 (POST /v1/chat as SSE, GET /v1/history, POST
// /v1/chat/completions), routed to the user's session through a client_sink like a WebSocket
// connection. Every wait is bounded; must never touch storage.
// Over 400 lines: one Beast session template; splitting it would add Beast TUs (compile time on 2
// cores).
#include "transport/api_session.hpp"

#include "core/policy/care_report.hpp"
#include "core/policy/token_count.hpp"
#include "core/protocol/http_api.hpp"
#include "transport/context.hpp"
#include "transport/streams.hpp"
#include "transport/http_metrics.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/container/deque.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <vector>

namespace xinyu::transport {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

/// Frames from the session, posted onto the call's strand.
template <class Call>
class api_sink final : public actors::client_sink {
public:
  api_sink(std::weak_ptr<Call> call, net::any_io_executor ex)
    : call_(std::move(call)), ex_(std::move(ex)) {}
  void deliver(std::shared_ptr<const std::string> frame) override {
    auto call = call_.lock();
    if (!call)
      return;
    net::post(ex_, [call, f = std::move(frame)] { call->on_frame(*f); });
  }

private:
  std::weak_ptr<Call> call_;
  net::any_io_executor ex_;
};

/// One API call on a plain or a TLS stream (TLS already negotiated by the HTTP session).
template <class Stream>
class api_call : public std::enable_shared_from_this<api_call<Stream>> {
public:
  using sink_type = api_sink<api_call>;

  api_call(Stream socket, http::request<http::string_body> req, std::shared_ptr<context> ctx,
           api_kind kind, slot_ptr slot)
    : socket_(std::move(socket)), timer_(socket_.get_executor()),
      keepalive_timer_(socket_.get_executor()), req_(std::move(req)), ctx_(std::move(ctx)),
      kind_(kind), slot_(std::move(slot)) {}

  void start() {
    auto& svc = *ctx_->svc;
    if (svc.draining)
      return fail(core::http_failure{503, "overloaded", "the server is shutting down"},
                  svc.retry_after_ms);
    if (kind_ == api_kind::care_report) // an admin call: the caller was checked already
      return start_care_report();
    std::string token_user;
    if (!ctx_->dev_mode) {
      auto auth = req_[http::field::authorization];
      std::string_view a{auth.data(), auth.size()};
      std::string error = "send 'Authorization: Bearer <token>'";
      std::optional<std::string> user;
      bool platform = false;
      if (a.rfind("Bearer ", 0) == 0)
        user = ctx_->verify_token(a.substr(7), error, nullptr, &minor_, &platform);
      if (!user)
        return fail(core::http_failure{401, "unauthorized", error});
      token_user = std::move(*user);
      // a platform (role "platform") names its end user in a header; each gets their own
      // session and memories, namespaced under the platform so it can reach no one else
      if (platform
          && (kind_ == api_kind::completions || kind_ == api_kind::history
              || kind_ == api_kind::memories)
          && !ctx_->platform_user_header.empty()) {
        auto named = req_[ctx_->platform_user_header];
        if (!named.empty()) {
          auto end_user = token_user + ":" + std::string{named.data(), named.size()};
          // ':' separates the platform from its user and appears in no token's subject, so
          // "<platform>:<name>" can only ever be this platform's user
          if (named.find(':') != std::string_view::npos
              || !core::is_valid_user_id(end_user, ctx_->limits.max_user_bytes)) {
            core::http_failure f{400, "bad_request",
                                 ctx_->platform_user_header + " must name a user in at most "
                                   + std::to_string(room(token_user))
                                   + " bytes of printable UTF-8 without ':'"};
            f.param = ctx_->platform_user_header;
            return fail(f);
          }
          token_user = std::move(end_user);
        }
      }
    }
    core::http_failure err;
    core::client_command cmd;
    if (kind_ == api_kind::emergency_contact) {
      auto j = json::parse(req_.body(), nullptr, false);
      if (!j.is_object())
        return fail(core::http_failure{400, "bad_request", "the body must be a JSON object"});
      if (ctx_->dev_mode) {
        auto u = j.find("user");
        if (u == j.end() || !u->is_string()
            || !core::is_valid_user_id(u->get_ref<const std::string&>(),
                                       ctx_->limits.max_user_bytes))
          return fail(core::http_failure{400, "bad_request",
                                         "field 'user' must be 1-"
                                           + std::to_string(ctx_->limits.max_user_bytes)
                                           + " bytes without control characters"});
        user_ = u->get<std::string>();
        j.erase("user");
      } else {
        user_ = token_user;
      }
      auto c = core::parse_emergency_contact(j);
      if (auto* e = std::get_if<core::frame_error>(&c))
        return fail(core::http_failure{400, e->code, e->message});
      cmd = std::get<core::emergency_contact_command>(c);
    } else if (kind_ == api_kind::memories) {
      std::string_view target{req_.target().data(), req_.target().size()};
      auto q = target.find('?');
      auto method = req_.method_string();
      std::string allow;
      auto m = core::parse_http_memories({method.data(), method.size()}, target.substr(0, q),
                                         q == std::string_view::npos ? std::string_view{}
                                                                     : target.substr(q + 1),
                                         req_.body(), ctx_->dev_mode, ctx_->limits, err, allow);
      if (!m) {
        if (err.status == 405) {
          ctx_->rejected(err.code).inc();
          return respond(405, "application/json", err.body(), "Allow: " + allow + "\r\n");
        }
        return fail(err);
      }
      user_ = ctx_->dev_mode ? m->user : token_user;
      cmd = std::move(m->command);
    } else if (kind_ == api_kind::history) {
      std::string_view target{req_.target().data(), req_.target().size()};
      auto q = target.find('?');
      auto h = core::parse_http_history(q == std::string_view::npos ? std::string_view{}
                                                                    : target.substr(q + 1),
                                        ctx_->dev_mode, ctx_->limits, err);
      if (!h)
        return fail(err);
      user_ = ctx_->dev_mode ? h->user : token_user;
      cmd = h->history;
    } else {
      std::optional<core::http_chat_request> c;
      if (kind_ == api_kind::chat) {
        c = core::parse_http_chat(req_.body(), ctx_->dev_mode, ctx_->limits, err);
      } else {
        c = core::parse_completion_request(req_.body(), core::new_completion_id(), ctx_->dev_mode,
                                           ctx_->limits, err);
      }
      if (!c)
        return fail(err);
      user_ = ctx_->dev_mode ? c->user : token_user;
      id_ = c->chat.id;
      if (auto tp = req_.find("traceparent"); tp != req_.end()) // W3C Trace Context
        c->chat.trace = core::parse_traceparent({tp->value().data(), tp->value().size()});
      stream_ = kind_ == api_kind::chat || c->stream;
      include_usage_ = c->include_usage;
      if (c->task)
        return answer_task(*c->task, c->chat.text);
      cmd = std::move(c->chat);
    }
    sink_ = std::make_shared<sink_type>(this->weak_from_this(), socket_.get_executor());
    arm_deadline();
    if (minor_)
      ctx_->gateway->mark_minor(user_); // the minors policy before the command
    // a command subscribes its connection to the user's frames (no attach: no `ready`)
    ctx_->gateway->command(user_, actors::client_sink_ptr{sink_}, std::move(cmd));
  }

  /// A platform's helper prompt (title, tags, follow-ups...): answered here by rule, without
  /// the user's session, so it never enters their conversation, memories or rate limit.
  void answer_task(const core::platform_task& task, const std::string& prompt_text) {
    core::metrics()
      .get_counter("xinyu_platform_tasks_total",
                   "platform helper prompts (title, tags, ...) answered by rule, by kind",
                   "kind=\"" + std::string{core::to_string(task.kind)} + "\"")
      .inc();
    auto content = core::answer_platform_task(task);
    auto prompt = core::approximate_message_tokens(prompt_text);
    auto completion = core::approximate_tokens(content);
    if (!stream_)
      return respond(200, "application/json",
                     core::completion_object(id_, created_, content, "stop", prompt, completion));
    write_head();
    enqueue(core::completion_chunk(id_, created_, content, true, std::nullopt));
    enqueue(core::completion_chunk(id_, created_, "", false, core::openai_finish("stop")));
    if (include_usage_)
      enqueue(core::completion_usage_chunk(id_, created_, prompt, completion));
    enqueue("data: [DONE]\n\n");
    end_stream();
  }

  /// GET /admin/reports/crisis: counts only, from storage through the gateway.
  void start_care_report() {
    std::string_view target{req_.target().data(), req_.target().size()};
    auto q = target.find('?');
    std::string error;
    auto today = core::utc_day(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
    auto query = core::parse_care_report_query(q == std::string_view::npos ? std::string_view{}
                                                                           : target.substr(q + 1),
                                               today, error);
    if (!query)
      return fail(core::http_failure{400, "bad_request", error});
    sink_ = std::make_shared<sink_type>(this->weak_from_this(), socket_.get_executor());
    arm_deadline();
    ctx_->gateway->care_report(std::move(*query), actors::client_sink_ptr{sink_});
  }

  void arm_deadline() {
    timer_.expires_after(ctx_->api_deadline);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->on_deadline();
    });
  }

  /// A frame of this user, on the call's strand.
  void on_frame(const std::string& frame) {
    if (finished_)
      return;
    auto head = core::peek_frame(frame);
    if (kind_ == api_kind::care_report) {
      if (head.type != "report")
        return fail_from_frame(frame);
      auto j = json::parse(frame, nullptr, false);
      content_type_ = j.value("content_type", "application/json");
      return respond(200, content_type_.c_str(), j.value("body", ""));
    }
    if (kind_ == api_kind::emergency_contact) {
      if (head.type == "emergency_contact")
        return respond(200, "application/json", frame);
      if (head.type == "error")
        return fail_from_frame(frame);
      return;
    }
    if (kind_ == api_kind::memories) {
      if (head.type == "memories" || head.type == "memory_edited" || head.type == "memory_deleted")
        return respond(200, "application/json", frame);
      if (head.type == "error")
        return fail_from_frame(frame);
      return;
    }
    if (kind_ == api_kind::history) {
      if (head.type == "history")
        return respond(200, "application/json", frame);
      if (head.type == "error")
        return fail_from_frame(frame);
      return;
    }
    bool ours = head.id == id_;
    if (!ours && !(head.type == "notice" && started_ && !done_seen_))
      return;
    if (!started_) {
      if (head.type == "error")
        return fail_from_frame(frame);
      if (head.type != "accepted")
        return;
      started_ = true;
      if (stream_)
        write_head();
    }
    if (kind_ == api_kind::chat)
      return on_chat_frame(head, frame);
    on_completion_frame(head, frame);
  }

  void on_write_failed() {
    finish(); // the client went away; the turn goes on (a disconnect is not a cancel)
  }

private:
  void on_chat_frame(const core::frame_head& head, const std::string& frame) {
    enqueue(core::sse_event(head.type, frame));
    if (head.type == "done") {
      done_seen_ = true;
      // the stream ends with `persisted`; bounded, since storage may be failing
      timer_.expires_after(ctx_->persisted_wait);
      timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
        if (ec || self->finished_ || self->closing_)
          return; // persisted came (or the client went) first
        self->ctx_->persisted_wait_expired.inc();
        self->end_stream();
      });
    } else if (head.type == "persisted" || head.type == "error") {
      end_stream();
    }
  }

  void on_completion_frame(const core::frame_head& head, const std::string& frame) {
    if (head.type == "token") {
      auto j = json::parse(frame, nullptr, false);
      auto text = j.is_object() ? j.value("text", "") : std::string{};
      if (stream_) {
        enqueue(core::completion_chunk(id_, created_, text, !sent_first_, std::nullopt));
        sent_first_ = true;
      } else {
        reply_ += text;
      }
    } else if (head.type == "done") {
      auto j = json::parse(frame, nullptr, false);
      auto finish = j.is_object() ? j.value("finish", "stop") : std::string{"stop"};
      std::size_t prompt = 0, completion = 0;
      if (j.is_object() && j.contains("usage") && j["usage"].is_object()) {
        prompt = j["usage"].value("prompt_tokens", std::size_t{0});
        completion = j["usage"].value("completion_tokens", std::size_t{0});
      }
      if (!stream_)
        return respond(200, "application/json",
                       core::completion_object(id_, created_, reply_, finish, prompt, completion));
      enqueue(core::completion_chunk(id_, created_, "", !sent_first_, core::openai_finish(finish)));
      if (include_usage_)
        enqueue(core::completion_usage_chunk(id_, created_, prompt, completion));
      enqueue("data: [DONE]\n\n");
      end_stream();
    }
  }

  void on_deadline() {
    if (finished_)
      return;
    if (!started_ && !stream_started())
      return fail(core::http_failure{504, "internal", "no answer in time"});
    end_stream();
  }

  bool stream_started() const { return head_written_; }

  /// Bytes left for an end user's name after "<platform>:" within limits.max_user_bytes.
  std::size_t room(const std::string& platform) const {
    auto used = platform.size() + 1;
    return ctx_->limits.max_user_bytes > used ? ctx_->limits.max_user_bytes - used : 0;
  }

  /// CORS for a browser client: the request's Origin was checked by the HTTP session (the
  /// page's own or transport.allowed_origins) before this call started.
  std::string cors_headers() const {
    auto origin = req_[http::field::origin];
    if (origin.empty() || origin.find_first_of("\r\n") != std::string_view::npos)
      return {};
    return "Access-Control-Allow-Origin: " + std::string{origin.data(), origin.size()}
           + "\r\nVary: Origin\r\n";
  }

  std::string_view route() const {
    switch (kind_) {
      case api_kind::chat: return "/v1/chat";
      case api_kind::history: return "/v1/history";
      case api_kind::completions: return "/v1/chat/completions";
      case api_kind::care_report: return "/admin/reports/crisis";
      case api_kind::emergency_contact: return "/v1/emergency_contact";
      case api_kind::memories: {
        std::string_view target{req_.target().data(), req_.target().size()};
        return target.rfind("/v1/memories/", 0) == 0 ? "/v1/memories/{id}" : "/v1/memories";
      }
    }
    return "other";
  }

  void write_head() {
    head_written_ = true;
    count_http_response(route(), 200);
    std::string h =
      "HTTP/1.1 200 OK\r\nServer: " + ctx_->server_name
      + "\r\nContent-Type: text/event-stream; charset=utf-8\r\n" + cors_headers()
      + "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n";
    enqueue(std::move(h));
    if (ctx_->keepalive.count() > 0)
      arm_keepalive();
  }

  /// An SSE comment after each transport.keepalive_ms in which nothing was written (a slow
  /// first token must not look like a dead stream to a proxy); SSE readers, the OpenAI SDKs
  /// included, skip comment lines.
  void arm_keepalive() {
    wrote_since_tick_ = false;
    keepalive_timer_.expires_after(ctx_->keepalive);
    keepalive_timer_.async_wait([weak = this->weak_from_this()](beast::error_code ec) {
      auto self = weak.lock(); // weak: the keep-alive never extends the call's life
      if (ec || !self || self->finished_ || self->closing_)
        return;
      if (!self->wrote_since_tick_) {
        self->ctx_->keepalives_sse.inc();
        self->enqueue(": keep-alive\n\n");
      }
      self->arm_keepalive();
    });
  }

  void fail_from_frame(const std::string& frame) {
    auto j = json::parse(frame, nullptr, false);
    core::http_failure f;
    f.code = j.is_object() ? j.value("code", "internal") : "internal";
    f.message = j.is_object() ? j.value("message", "") : "";
    f.status = core::http_status_for(f.code);
    std::uint64_t retry = j.is_object() ? j.value("retry_after_ms", std::uint64_t{0}) : 0;
    fail(f, retry);
  }

  void fail(const core::http_failure& f, std::uint64_t retry_after_ms = 0) {
    ctx_->rejected(f.code).inc();
    std::string extra;
    if (retry_after_ms > 0)
      extra = "Retry-After: " + std::to_string((retry_after_ms + 999) / 1000) + "\r\n";
    respond(f.status, "application/json", f.body(), extra);
  }

  void respond(int status, const char* type, const std::string& body,
               const std::string& extra = {}) {
    if (head_written_) { // streaming already: an error becomes the stream's last event
      enqueue(core::sse_event("error", body));
      return end_stream();
    }
    head_written_ = true;
    count_http_response(route(), static_cast<unsigned>(status));
    auto reason = http::obsolete_reason(static_cast<http::status>(status));
    std::string r =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string{reason.data(), reason.size()}
      + "\r\nServer: " + ctx_->server_name + "\r\nContent-Type: " + type + "\r\n" + cors_headers()
      + "Cache-Control: no-store\r\n" + extra + "Content-Length: " + std::to_string(body.size())
      + "\r\nConnection: close\r\n\r\n";
    if (req_.method() != http::verb::head)
      r += body;
    enqueue(std::move(r));
    end_stream();
  }

  void enqueue(std::string bytes) {
    if (finished_)
      return;
    if (queue_.size() >= ctx_->max_queued_frames) { // a reader this slow is let go
      ctx_->slow_closed.inc();
      return finish();
    }
    wrote_since_tick_ = true;
    queue_.push_back(std::move(bytes));
    if (queue_.size() == 1)
      do_write();
  }

  void do_write() {
    writing_ = true;
    // a reader that stops reading cannot hold the connection: one write may take at most the
    // call's whole deadline (then it fails and the call finishes)
    beast::get_lowest_layer(socket_).expires_after(ctx_->api_deadline);
    // every chunk queued now (up to max_gathered) in one write: a burst of SSE events is one
    // syscall, not one per event. The strings stay in queue_ (a deque: pushing at the back never
    // moves them) until the write completes.
    static constexpr std::size_t max_gathered = 64;
    batch_.clear();
    for (std::size_t i = 0; i < queue_.size() && batch_.size() < max_gathered; ++i)
      batch_.push_back(net::buffer(queue_[i]));
    net::async_write(socket_, batch_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->writing_ = false;
                       if (ec)
                         return self->on_write_failed();
                       if (self->finished_)
                         return; // dropped meanwhile
                       self->queue_.erase(self->queue_.begin(),
                                          self->queue_.begin()
                                            + static_cast<std::ptrdiff_t>(self->batch_.size()));
                       if (!self->queue_.empty())
                         return self->do_write();
                       if (self->closing_)
                         self->finish();
                     });
  }

  /// The answer is complete: close once everything queued is written.
  void end_stream() {
    closing_ = true;
    if (queue_.empty())
      finish();
  }

  void finish() {
    if (finished_)
      return;
    finished_ = true;
    timer_.cancel();
    keepalive_timer_.cancel();
    if (writing_) {
      // dropped mid-write (a slow reader, or the deadline): no close_notify to a reader we
      // let go; closing the socket cancels the write, whose buffer stays in queue_ until then
      beast::get_lowest_layer(socket_).close();
    } else {
      queue_.clear();
      close_connection();
    }
    if (sink_ && kind_ != api_kind::care_report) // a report subscribed to no user
      ctx_->gateway->detach(user_, actors::client_sink_ptr{sink_});
  }

  /// Plain: shut down and close. TLS: close_notify first (bounded by transport.close_timeout_ms),
  /// so a client reading a close-delimited SSE stream sees a clean end, not a truncation.
  void close_connection() {
    auto& tcp_layer = beast::get_lowest_layer(socket_);
    if constexpr (is_tls<Stream>) {
      tcp_layer.expires_after(ctx_->close_timeout);
      socket_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::get_lowest_layer(self->socket_).close();
      });
    } else {
      beast::error_code ignored;
      tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ignored);
      tcp_layer.close();
    }
  }

  Stream socket_;
  net::steady_timer timer_;
  net::steady_timer keepalive_timer_;
  bool wrote_since_tick_ = false;
  http::request<http::string_body> req_;
  std::shared_ptr<context> ctx_;
  api_kind kind_;
  slot_ptr slot_; // this connection's place under the connection limits
  std::string user_;
  std::string id_;
  bool stream_ = false;
  std::shared_ptr<sink_type> sink_;
  boost::container::deque<std::string> queue_; // front batch_.size() in the write in flight
  std::vector<net::const_buffer> batch_;       // their buffers
  bool started_ = false;                       // `accepted` seen
  bool head_written_ = false;                  // status line queued
  bool done_seen_ = false;
  bool include_usage_ = false;
  bool sent_first_ = false;
  bool closing_ = false;
  bool writing_ = false; // an async_write is in flight (its buffers are batch_)
  bool finished_ = false;
  std::string reply_;
  std::string content_type_;
  bool minor_ = false; // the token's age_band claim
  std::int64_t created_ = unix_now();
};

} // namespace

void start_api_call(plain_stream stream, http::request<http::string_body> req,
                    std::shared_ptr<context> ctx, api_kind kind, slot_ptr slot) {
  std::make_shared<api_call<plain_stream>>(std::move(stream), std::move(req), std::move(ctx), kind,
                                           std::move(slot))
    ->start();
}

void start_api_call(tls_stream stream, http::request<http::string_body> req,
                    std::shared_ptr<context> ctx, api_kind kind, slot_ptr slot) {
  std::make_shared<api_call<tls_stream>>(std::move(stream), std::move(req), std::move(ctx), kind,
                                         std::move(slot))
    ->start();
}

} // namespace xinyu::transport
