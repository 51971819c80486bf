// mock-llm: an OpenAI-compatible streaming endpoint for benchmarks: a fixed time to the first
// token, a fixed gap per token, N tokens, keep-alive with chunked encoding; optionally a prefill
// charge per prompt token not in its prefix cache. Never for tests.
#include "bench/chat_template.hpp"
#include "core/policy/token_count.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct options {
  unsigned short port = 18000;
  int ttft_ms = 100;
  int token_ms = 20;
  int tokens = 30;
  int prefill_us_per_token = 0;   // > 0: charge this per prompt token not in the prefix cache
  std::size_t cache_prompts = 16; // prompts the prefix cache remembers (all connections)
};

/// A prefix cache as vLLM's or llama.cpp's, reduced to what it saves: the rendered prompts seen
/// last (any connection), and for a new one the longest prefix it shares with any of them.
class prefix_cache {
public:
  /// Prompt tokens of `body`'s messages not covered by a remembered prompt; remembers it.
  std::size_t uncached_tokens(const std::string& body, std::size_t keep) {
    std::string rendered;
    auto j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("messages") && j["messages"].is_array())
      for (const auto& m : j["messages"])
        xinyu::bench::render_message(rendered, m.value("role", ""), m.value("content", ""));
    std::size_t best = 0;
    for (const auto& p : seen_)
      best = std::max(best, xinyu::bench::common_prefix(p, rendered));
    auto uncached = xinyu::core::approximate_tokens(std::string_view{rendered}.substr(best));
    seen_.push_back(std::move(rendered));
    while (seen_.size() > keep)
      seen_.pop_front();
    return uncached;
  }

private:
  std::deque<std::string> seen_;
};

prefix_cache& cache() {
  static prefix_cache c; // one I/O thread: no lock
  return c;
}

std::string chunked(const std::string& payload) {
  char len[16];
  std::snprintf(len, sizeof len, "%zx\r\n", payload.size());
  return len + payload + "\r\n";
}

std::string event(const std::string& content, bool last) {
  std::string d =
    R"({"id":"mock","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":")"
    + content + R"("},"finish_reason":)" + (last ? "\"stop\"" : "null") + "}]}";
  return "data: " + d + "\n\n";
}

class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket s, const options& o)
    : stream_(std::move(s)), timer_(stream_.get_executor()), opt_(o) {}
  void start() { read(); }

private:
  void read() {
    req_ = {};
    http::async_read(stream_, buf_, req_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec)
                         return;
                       self->respond();
                     });
  }

  void respond() {
    if (req_.method() != http::verb::post) {
      write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", [this] { read(); });
      return;
    }
    sent_ = 0;
    int first = opt_.ttft_ms;
    if (opt_.prefill_us_per_token > 0) // the prefill of what the cache does not hold
      first += static_cast<int>(cache().uncached_tokens(req_.body(), opt_.cache_prompts)
                                * static_cast<std::size_t>(opt_.prefill_us_per_token) / 1000);
    write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
          "Connection: keep-alive\r\n\r\n",
          [this, first] { tick(first); });
  }

  void tick(int delay_ms) {
    timer_.expires_after(std::chrono::milliseconds(delay_ms));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec)
        return;
      self->emit();
    });
  }

  void emit() {
    ++sent_;
    bool last = sent_ >= opt_.tokens;
    auto data = chunked(event(sent_ == 1 ? "Hi" : " word", last));
    if (last)
      data += chunked("data: [DONE]\n\n") + "0\r\n\r\n";
    write(std::move(data), [this, last] {
      if (last)
        read();
      else
        tick(opt_.token_ms);
    });
  }

  template <class F>
  void write(std::string data, F next) {
    auto buf = std::make_shared<std::string>(std::move(data));
    net::async_write(stream_, net::buffer(*buf),
                     [self = shared_from_this(), buf, next](beast::error_code ec, std::size_t) {
                       if (!ec)
                         next();
                     });
  }

  tcp::socket stream_;
  net::steady_timer timer_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  const options& opt_;
  int sent_ = 0;
};

void accept(tcp::acceptor& a, const options& o) {
  a.async_accept([&a, &o](beast::error_code ec, tcp::socket s) {
    if (!ec) {
      s.set_option(tcp::no_delay(true));
      std::make_shared<session>(std::move(s), o)->start();
    }
    accept(a, o);
  });
}

} // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    int v = std::stoi(argv[i + 1]);
    if (a == "--port")
      o.port = static_cast<unsigned short>(v);
    else if (a == "--ttft-ms")
      o.ttft_ms = v;
    else if (a == "--token-ms")
      o.token_ms = v;
    else if (a == "--tokens")
      o.tokens = v;
    else if (a == "--prefill-us-per-token")
      o.prefill_us_per_token = v;
    else if (a == "--cache-prompts")
      o.cache_prompts = static_cast<std::size_t>(v);
    else {
      std::cerr << "usage: mock-llm [--port P] [--ttft-ms MS] [--token-ms MS] [--tokens N]\n"
                   "                [--prefill-us-per-token US] [--cache-prompts N]\n";
      return 2;
    }
  }
  net::io_context ioc{1};
  tcp::acceptor acc{ioc, {net::ip::make_address("127.0.0.1"), o.port}};
  std::cout << "mock-llm listening on http://127.0.0.1:" << acc.local_endpoint().port()
            << std::endl;
  accept(acc, o);
  ioc.run();
}
