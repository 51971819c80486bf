// xinyu-load: drives any protocol-v1 server (xinyu or the seed peer) with N concurrent users, over
// WebSocket or (--api) the OpenAI-compatible SSE endpoint, and reports turns/s and client-side
// TTFT/total/persisted percentiles. Never asserts; only measures.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using nlohmann::json;

namespace {

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int users = 10;
  int turns = 5;         // per user (0 = until duration)
  double duration_s = 0; // 0 = until every user did `turns`
  int ramp_ms = 1000;    // connections spread over this
  int think_ms = 0;      // pause between a user's turns
  // > 0: open loop, as people chat: each user starts a chat every `every_ms` on average (the
  // gap drawn uniformly from half to one and a half of it; the first at a random point of
  // one gap), whatever the replies take; a chat still running when the next is due waits
  int every_ms = 0;
  bool wait_persisted = false;
  int idle_s = 0;         // > 0: only hold authenticated connections this long
  int timeout_ms = 60000; // per turn
  std::string label = "run";
  bool route_hint = false; // connect to /v1/ws?user=<name> (a load balancer hashes by it)
  // each turn a POST /v1/chat/completions with "stream": true on a new connection (dev mode:
  // the body's `user` names the caller); TTFT at the first non-empty delta, total at [DONE]
  bool api = false;
  std::string text = "我最近工作压力很大，晚上总是睡不着，感觉很焦虑";
};

struct stats {
  std::vector<double> ttft, total, persisted, persist_lag;
  long turns = 0, errors = 0, timeouts = 0, conn_failures = 0, connected = 0, tokens = 0;
  std::vector<std::string> error_samples;
  std::mt19937 rng{12345}; // fixed seed: runs are comparable
};

double pct(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

/// What both kinds of simulated person share: the options, the shared stats, a name, the time
/// since the turn in flight was sent, and the turns done.
class simulated_person {
protected:
  simulated_person(const options& opt, stats& st, int index, clock_type::time_point end)
    : opt_(opt), st_(st), index_(index), end_(end) {}

  std::string name() const { return "bench-" + opt_.label + "-" + std::to_string(index_); }

  void sample(const std::string& s) {
    if (st_.error_samples.size() < 5)
      st_.error_samples.push_back(s);
  }

  double since_sent() const {
    return std::chrono::duration<double, std::milli>(clock_type::now() - sent_at_).count();
  }

  const options& opt_;
  stats& st_;
  int index_;
  clock_type::time_point end_;
  clock_type::time_point sent_at_;
  int done_turns_ = 0;
  bool got_token_ = false;
};

class user : public simulated_person, public std::enable_shared_from_this<user> {
public:
  user(net::io_context& ioc, const options& opt, stats& st, int index, clock_type::time_point end)
    : simulated_person(opt, st, index, end), ws_(ioc), timer_(ioc) {}

  void start(int delay_ms) {
    timer_.expires_after(std::chrono::milliseconds(delay_ms));
    timer_.async_wait([self = shared_from_this()](beast::error_code) { self->connect(); });
  }

private:
  void connect() {
    tcp::endpoint ep{net::ip::make_address(opt_.host), opt_.port};
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(ep, [self =
                                                      shared_from_this()](beast::error_code ec) {
      if (ec)
        return self->fail_conn();
      beast::get_lowest_layer(self->ws_).expires_never();
      self->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
      self->ws_.async_handshake(self->opt_.host + ":" + std::to_string(self->opt_.port),
                                self->opt_.route_hint ? "/v1/ws?user=" + self->name() : "/v1/ws",
                                [self](beast::error_code ec) {
                                  if (ec)
                                    return self->fail_conn();
                                  self->auth();
                                });
    });
  }

  void fail_conn() { st_.conn_failures++; }

  void auth() {
    write(json{{"type", "auth"}, {"user", name()}}.dump());
    read();
  }

  void write(std::string s) {
    out_.push_back(std::make_shared<std::string>(std::move(s)));
    if (out_.size() == 1)
      do_write();
  }

  void do_write() {
    ws_.text(true);
    ws_.async_write(net::buffer(*out_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->out_.erase(self->out_.begin());
                      if (!ec && !self->out_.empty())
                        self->do_write();
                    });
  }

  void read() {
    ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        if (self->in_turn_) {
          self->st_.errors++;
          self->sample("connection lost: " + ec.message());
        }
        return;
      }
      auto text = beast::buffers_to_string(self->buf_.data());
      self->buf_.consume(self->buf_.size());
      self->on_frame(text);
      if (!self->stopped_)
        self->read();
    });
  }

  void on_frame(const std::string& text) {
    auto f = json::parse(text, nullptr, false);
    if (f.is_discarded())
      return;
    auto type = f.value("type", "");
    if (type == "ready") {
      st_.connected++;
      if (opt_.idle_s > 0) {
        timer_.expires_after(std::chrono::seconds(opt_.idle_s));
        timer_.async_wait([self = shared_from_this()](beast::error_code) { self->stop(); });
        return;
      }
      if (opt_.every_ms > 0) { // the first chat at a random point of the first gap
        next_at_ = clock_type::now()
                   + std::chrono::milliseconds(
                     std::uniform_int_distribution<int>{0, opt_.every_ms}(st_.rng));
        wait_for_next();
        return;
      }
      next_turn();
      return;
    }
    if (!in_turn_ || f.value("id", "") != id_)
      return;
    if (type == "token") {
      st_.tokens++;
      if (!got_token_) {
        got_token_ = true;
        st_.ttft.push_back(since_sent());
      }
    } else if (type == "done") {
      st_.total.push_back(since_sent());
      done_at_ = clock_type::now();
      st_.turns++;
      if (f.value("finish", "") == "error")
        st_.errors++;
      got_done_ = true;
      if (!opt_.wait_persisted)
        end_turn();
    } else if (type == "persisted") {
      st_.persisted.push_back(since_sent());
      if (got_done_)
        st_.persist_lag.push_back(
          std::chrono::duration<double, std::milli>(clock_type::now() - done_at_).count());
      if (got_done_)
        end_turn();
    } else if (type == "error") {
      st_.errors++;
      sample(text);
      end_turn();
    }
  }

  void next_turn() {
    if ((opt_.turns > 0 && done_turns_ >= opt_.turns)
        || (opt_.duration_s > 0 && clock_type::now() >= end_)) {
      stop();
      return;
    }
    id_ = "t" + std::to_string(done_turns_);
    in_turn_ = true;
    got_token_ = got_done_ = false;
    sent_at_ = clock_type::now();
    write(json{{"type", "chat"}, {"id", id_}, {"text", opt_.text}}.dump());
    timer_.expires_after(std::chrono::milliseconds(opt_.timeout_ms));
    timer_.async_wait([self = shared_from_this(), n = done_turns_](beast::error_code ec) {
      if (ec || !self->in_turn_ || self->done_turns_ != n)
        return;
      self->st_.timeouts++;
      self->sample("turn timed out");
      self->end_turn();
    });
  }

  /// Open loop: the next chat starts at next_at_ (now, if that has passed).
  void wait_for_next() {
    if (opt_.duration_s > 0 && next_at_ >= end_) {
      stop(); // the next chat would fall after the run: leave now, not when it is due
      return;
    }
    timer_.expires_at(next_at_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->next_turn();
    });
  }

  void end_turn() {
    in_turn_ = false;
    ++done_turns_;
    timer_.cancel();
    if (opt_.every_ms > 0) {
      next_at_ = std::max(sent_at_
                            + std::chrono::milliseconds(
                              std::uniform_int_distribution<int>{opt_.every_ms / 2,
                                                                 opt_.every_ms * 3 / 2}(st_.rng)),
                          clock_type::now());
      wait_for_next();
    } else if (opt_.think_ms > 0) {
      timer_.expires_after(std::chrono::milliseconds(opt_.think_ms));
      timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec)
          self->next_turn();
      });
    } else {
      next_turn();
    }
  }

  void stop() {
    stopped_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }

  websocket::stream<beast::tcp_stream> ws_;
  net::steady_timer timer_;
  clock_type::time_point next_at_;
  beast::flat_buffer buf_;
  std::vector<std::shared_ptr<std::string>> out_;
  std::string id_;
  clock_type::time_point done_at_;
  bool in_turn_ = false, got_done_ = false, stopped_ = false;
};

/// One person through the OpenAI-compatible facade: per turn, connect, POST a streamed chat
/// completion and read its SSE chunks until `data: [DONE]` (the server then closes).
class api_user : public simulated_person, public std::enable_shared_from_this<api_user> {
public:
  api_user(net::io_context& ioc, const options& opt, stats& st, int index,
           clock_type::time_point end)
    : simulated_person(opt, st, index, end), ioc_(ioc), timer_(ioc) {}

  void start(int delay_ms) {
    timer_.expires_after(std::chrono::milliseconds(delay_ms));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->next_turn();
    });
  }

private:
  void next_turn() {
    if ((opt_.turns > 0 && done_turns_ >= opt_.turns)
        || (opt_.duration_s > 0 && clock_type::now() >= end_))
      return;
    got_token_ = false;
    in_.clear();
    head_done_ = false;
    scanned_ = 0;
    sent_at_ = clock_type::now();
    stream_ = std::make_unique<beast::tcp_stream>(ioc_);
    stream_->expires_after(std::chrono::milliseconds(opt_.timeout_ms));
    tcp::endpoint ep{net::ip::make_address(opt_.host), opt_.port};
    stream_->async_connect(ep, [self = shared_from_this()](beast::error_code ec) {
      if (ec) { // a turn that could not even connect is a failed turn, and a failed connect
        self->st_.conn_failures++;
        self->st_.errors++;
        self->sample("connect failed: " + ec.message());
        return self->end_turn(true);
      }
      if (!self->ever_connected_) { // no standing connection: counted once, when first made
        self->ever_connected_ = true;
        self->st_.connected++;
      }
      json body{{"model", "xinyu"},
                {"stream", true},
                {"user", self->name()},
                {"messages", json::array({{{"role", "user"}, {"content", self->opt_.text}}})}};
      auto b = body.dump();
      self->out_ = "POST /v1/chat/completions HTTP/1.1\r\nHost: " + self->opt_.host + ":"
                   + std::to_string(self->opt_.port)
                   + "\r\nContent-Type: application/json\r\nContent-Length: "
                   + std::to_string(b.size()) + "\r\n\r\n" + b;
      net::async_write(*self->stream_, net::buffer(self->out_),
                       [self](beast::error_code ec, std::size_t) {
                         if (ec) {
                           self->st_.errors++;
                           self->sample("write failed: " + ec.message());
                           return self->end_turn(true);
                         }
                         self->read();
                       });
    });
  }

  void read() {
    stream_->async_read_some(net::buffer(chunk_), [self = shared_from_this()](beast::error_code ec,
                                                                              std::size_t n) {
      self->in_.append(self->chunk_.data(), n);
      if (!self->scan())
        return; // the turn ended in scan
      if (ec == beast::error::timeout) {
        self->st_.timeouts++;
        self->sample("turn timed out");
        return self->end_turn(true);
      }
      if (ec) {
        self->st_.errors++;
        self->sample(ec == net::error::eof ? "stream ended before [DONE]"
                                           : "read failed: " + ec.message());
        return self->end_turn(true);
      }
      self->read();
    });
  }

  /// Reads what arrived; false once the turn has ended.
  bool scan() {
    if (!head_done_) {
      auto end = in_.find("\r\n\r\n");
      if (end == std::string::npos)
        return true;
      if (in_.compare(0, 12, "HTTP/1.1 200") != 0) {
        st_.errors++;
        sample(in_.substr(0, std::min<std::size_t>(in_.size(), 200)));
        end_turn(true);
        return false;
      }
      head_done_ = true;
      scanned_ = end + 4;
    }
    for (;;) { // one SSE event per "\n\n"
      auto end = in_.find("\n\n", scanned_);
      if (end == std::string::npos)
        return true;
      std::string_view ev{in_.data() + scanned_, end - scanned_};
      scanned_ = end + 2;
      if (ev.find("data: [DONE]") != std::string_view::npos) {
        st_.total.push_back(since_sent());
        st_.turns++;
        end_turn(false);
        return false;
      }
      auto at = ev.find("\"content\":\"");
      if (at != std::string_view::npos && at + 11 < ev.size() && ev[at + 11] != '"') {
        st_.tokens++;
        if (!got_token_) {
          got_token_ = true;
          st_.ttft.push_back(since_sent());
        }
      }
    }
  }

  void end_turn(bool failed) {
    if (stream_) {
      beast::error_code ignored;
      stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_->close();
    }
    ++done_turns_;
    // a failed turn waits a little before the next: a refusing server is not hammered
    int pause = failed ? std::max(opt_.think_ms, 100) : opt_.think_ms;
    if (pause == 0) {
      net::post(ioc_, [self = shared_from_this()] { self->next_turn(); });
      return;
    }
    timer_.expires_after(std::chrono::milliseconds(pause));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->next_turn();
    });
  }

  net::io_context& ioc_;
  std::unique_ptr<beast::tcp_stream> stream_;
  net::steady_timer timer_;
  std::string out_;
  std::string in_;
  std::array<char, 16384> chunk_{};
  std::size_t scanned_ = 0;
  bool head_done_ = false, ever_connected_ = false;
};

void usage() {
  std::cout
    << "xinyu-load [--host H] [--port P] [--users N] [--turns T] [--duration S]\n"
       "           [--ramp-ms MS] [--think-ms MS | --every-ms MS] [--persisted] [--idle S]\n"
       "           [--timeout-ms MS]\n"
       "           [--label NAME] [--text TEXT] [--route-hint] [--api]\n"
       "--api: each turn a streamed POST /v1/chat/completions (dev mode) on a new connection,\n"
       "       not WebSocket: TTFT and total include connecting; a reply that ended in an\n"
       "       upstream error still ends with finish_reason stop (OpenAI has no such reason),\n"
       "       so only HTTP and connection failures count as errors. --every-ms, --idle and\n"
       "       --persisted are WebSocket only.\n"
       "Prints one JSON line of results (turns/s, ttft/total/persisted p50/p95/p99 in ms).\n";
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--host")
      opt.host = next();
    else if (a == "--port")
      opt.port = static_cast<std::uint16_t>(std::stoi(next()));
    else if (a == "--users")
      opt.users = std::stoi(next());
    else if (a == "--turns")
      opt.turns = std::stoi(next());
    else if (a == "--duration")
      opt.duration_s = std::stod(next());
    else if (a == "--ramp-ms")
      opt.ramp_ms = std::stoi(next());
    else if (a == "--think-ms")
      opt.think_ms = std::stoi(next());
    else if (a == "--every-ms")
      opt.every_ms = std::stoi(next());
    else if (a == "--persisted")
      opt.wait_persisted = true;
    else if (a == "--idle")
      opt.idle_s = std::stoi(next());
    else if (a == "--timeout-ms")
      opt.timeout_ms = std::stoi(next());
    else if (a == "--label")
      opt.label = next();
    else if (a == "--text")
      opt.text = next();
    else if (a == "--route-hint")
      opt.route_hint = true;
    else if (a == "--api")
      opt.api = true;
    else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else {
      std::cerr << "unknown argument " << a << "\n";
      usage();
      return 2;
    }
  }
  if (opt.duration_s > 0 && opt.turns == 5)
    opt.turns = 0; // duration given: run until it ends
  net::io_context ioc{1};
  stats st;
  auto start = clock_type::now();
  auto end =
    start + std::chrono::milliseconds(static_cast<long>(opt.duration_s * 1000) + opt.ramp_ms);
  if (opt.api && (opt.every_ms > 0 || opt.idle_s > 0 || opt.wait_persisted)) {
    std::cerr << "--api: --every-ms, --idle and --persisted are WebSocket only\n";
    return 2;
  }
  for (int i = 0; i < opt.users; ++i) {
    int delay = opt.users > 1 ? opt.ramp_ms * i / opt.users : 0;
    if (opt.api)
      std::make_shared<api_user>(ioc, opt, st, i, end)->start(delay);
    else
      std::make_shared<user>(ioc, opt, st, i, end)->start(delay);
  }
  ioc.run();
  double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  double ramp = opt.ramp_ms / 1000.0;
  double busy = std::max(0.001, elapsed - (opt.idle_s > 0 ? 0 : ramp / 2));
  json r{{"label", opt.label},
         {"users", opt.users},
         {"connected", st.connected},
         {"conn_failures", st.conn_failures},
         {"turns", st.turns},
         {"errors", st.errors},
         {"timeouts", st.timeouts},
         {"tokens", st.tokens},
         {"elapsed_s", elapsed},
         {"turns_per_s", st.turns / busy},
         {"ttft_ms",
          {{"p50", pct(st.ttft, 50)}, {"p95", pct(st.ttft, 95)}, {"p99", pct(st.ttft, 99)}}},
         {"total_ms",
          {{"p50", pct(st.total, 50)}, {"p95", pct(st.total, 95)}, {"p99", pct(st.total, 99)}}}};
  if (opt.wait_persisted) {
    r["persisted_ms"] = {{"p50", pct(st.persisted, 50)},
                         {"p95", pct(st.persisted, 95)},
                         {"p99", pct(st.persisted, 99)}};
    r["persist_after_done_ms"] = {{"p50", pct(st.persist_lag, 50)},
                                  {"p95", pct(st.persist_lag, 95)},
                                  {"p99", pct(st.persist_lag, 99)}};
  }
  if (!st.error_samples.empty())
    r["error_samples"] = st.error_samples;
  std::cout << r.dump() << std::endl;
  return 0;
}
