// An in-test mock of an OpenAI-compatible /v1/chat/completions (and /v1/embeddings) endpoint.
// Test-only; one thread per connection; stalls wait on a condition variable so teardown is quick.
#include "tests/support/mock_openai.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <poll.h>
#include <thread>

namespace xinyu::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

struct mock_openai::impl {
  std::vector<std::string> tokens;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread accept_thread;
  mutable std::mutex mtx;
  std::condition_variable cv;
  bool stopping = false;
  std::deque<behaviour> script;
  behaviour fallback = behaviour::normal;
  int requests = 0;
  int closed_by_client = 0;
  int embedding_requests = 0;
  json last_request;
  std::vector<json> chat_requests;
  std::size_t break_after = 2;
  std::chrono::milliseconds resume_delay{0};
  std::string last_auth;
  std::string last_traceparent;
  std::vector<std::chrono::steady_clock::time_point> times;
  std::vector<std::thread> workers;
  std::uint16_t port = 0;

  static std::string chunk(const json& delta, const json& finish = nullptr) {
    json c{{"id", "chatcmpl-mock"},
           {"object", "chat.completion.chunk"},
           {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}};
    return "data: " + c.dump() + "\n\n";
  }

  /// Waits up to `d` or until the client closes the socket; true if the client closed it.
  bool wait_or_closed(tcp::socket& s, std::chrono::milliseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
      {
        std::unique_lock lock{mtx};
        if (stopping)
          return false;
      }
      pollfd p{s.native_handle(), POLLIN | POLLRDHUP, 0};
      if (::poll(&p, 1, 20) > 0) {
        char c;
        if (::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
          std::lock_guard lock{mtx};
          ++closed_by_client;
          return true;
        }
      }
    }
    return false;
  }

  static json last_request_of(const http::request<http::string_body>& req) {
    return json::parse(req.body(), nullptr, false);
  }

  /// The partial reply a request asks to continue: its final assistant message ("" if none).
  static std::string prefix_of(const json& body) {
    if (!body.is_object() || !body.contains("messages") || !body["messages"].is_array()
        || body["messages"].empty())
      return {};
    const auto& last = body["messages"].back();
    if (!last.is_object() || last.value("role", "") != "assistant" || !last["content"].is_string())
      return {};
    return last["content"].get<std::string>();
  }

  /// The tokens that follow `prefix` in the tokens' text (the first one cut where the prefix
  /// ends inside it); all of them when the text does not begin with `prefix`.
  std::vector<std::string> rest_after(const std::string& prefix) const {
    std::string all;
    for (const auto& t : tokens)
      all += t;
    if (all.compare(0, prefix.size(), prefix) != 0)
      return tokens;
    std::vector<std::string> rest;
    std::size_t at = 0;
    for (const auto& t : tokens) {
      if (at + t.size() > prefix.size())
        rest.push_back(at >= prefix.size() ? t : t.substr(prefix.size() - at));
      at += t.size();
    }
    return rest;
  }

  /// /embeddings: a 64-dimension bag of characters (texts sharing characters are similar);
  /// `normal` answers, stall_before hangs, status_* fail.
  template <class Write>
  void serve_embeddings(tcp::socket& s, behaviour b, const json& body, Write&& write) {
    {
      std::lock_guard lock{mtx};
      ++embedding_requests;
    }
    if (b == behaviour::stall_before) {
      wait_or_closed(s, std::chrono::milliseconds(10000));
      return;
    }
    if (b == behaviour::status_500 || b == behaviour::status_429 || b == behaviour::status_401) {
      std::string e = R"({"error":{"message":"mock failure","type":"server_error"}})";
      write(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: "
        + std::to_string(e.size()) + "\r\nConnection: close\r\n\r\n" + e);
      return;
    }
    std::vector<double> v(64, 0.0);
    std::string input = body.is_object() && body.contains("input") && body["input"].is_string()
                          ? body["input"].get<std::string>()
                          : std::string{};
    for (std::size_t i = 0; i < input.size();) { // one count per UTF-8 character
      auto c = static_cast<unsigned char>(input[i]);
      std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      std::uint32_t h = 2166136261u;
      for (std::size_t k = 0; k < n && i + k < input.size(); ++k)
        h = (h ^ static_cast<unsigned char>(input[i + k])) * 16777619u;
      v[h % 64] += 1.0;
      i += n;
    }
    v[0] += 0.01; // never the zero vector
    json out{{"object", "list"},
             {"data", json::array({{{"object", "embedding"}, {"index", 0}, {"embedding", v}}})},
             {"model", body.value("model", "")}};
    auto text = out.dump();
    write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
          + std::to_string(text.size()) + "\r\nConnection: close\r\n\r\n" + text);
  }

  void serve(tcp::socket s) {
    try {
      beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(s, buf, req);
      behaviour b;
      {
        std::lock_guard lock{mtx};
        ++requests;
        times.push_back(std::chrono::steady_clock::now());
        last_request = json::parse(req.body(), nullptr, false);
        if (req.target().ends_with("/chat/completions"))
          chat_requests.push_back(last_request);
        last_auth = std::string{req[http::field::authorization]};
        last_traceparent = std::string{req["traceparent"]};
        if (!script.empty()) {
          b = script.front();
          script.pop_front();
        } else {
          b = fallback;
        }
      }
      auto write = [&](const std::string& bytes) { net::write(s, net::buffer(bytes)); };
      if (req.target().ends_with("/moderations")) {
        // a guard: "blue lantern" is self-harm (no local rule knows the phrase), "take your
        // time" answers after 3 s, "broken guard" gets HTTP 500
        auto input = last_request_of(req).value("input", std::string{});
        if (input.find("take your time") != std::string::npos)
          std::this_thread::sleep_for(std::chrono::seconds{3});
        bool flag = input.find("blue lantern") != std::string::npos;
        std::string body =
          json{{"results",
                json::array({{{"flagged", flag}, {"categories", {{"self-harm/intent", flag}}}}})}}
            .dump();
        std::string head = input.find("broken guard") != std::string::npos
                             ? "HTTP/1.1 500 Internal Server Error\r\n"
                             : "HTTP/1.1 200 OK\r\n";
        write(head + "Content-Type: application/json\r\nContent-Length: "
              + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        beast::error_code ec;
        s.shutdown(tcp::socket::shutdown_both, ec);
        s.close(ec);
        return;
      }
      if (req.target().ends_with("/embeddings")) {
        serve_embeddings(s, b, last_request_of(req), write);
        beast::error_code ec;
        s.shutdown(tcp::socket::shutdown_both, ec);
        s.close(ec);
        return;
      }
      const std::string ok_head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                  "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
      auto status = [&](const char* line, const char* extra) {
        std::string body = R"({"error":{"message":"mock failure","type":"server_error"}})";
        write(std::string{"HTTP/1.1 "} + line + "\r\nContent-Type: application/json\r\n" + extra
              + "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n"
              + body);
      };
      std::string normal;
      for (auto& t : tokens)
        normal += chunk({{"content", t}});
      normal += chunk(json::object(), "stop") + "data: [DONE]\n\n";
      switch (b) {
        case behaviour::normal: write(ok_head + normal); break;
        case behaviour::ollama: {
          std::string body = chunk({{"role", "assistant"}, {"content", ""}});
          for (auto& t : tokens)
            body += chunk({{"role", "assistant"}, {"content", t}});
          body += chunk({{"role", "assistant"}, {"content", ""}}, "stop");
          body += "data: "
                  + json{{"id", "x"},
                         {"choices", json::array()},
                         {"usage", {{"prompt_tokens", 12}, {"completion_tokens", 3}}}}
                      .dump()
                  + "\n\n";
          write(ok_head + body + "data: [DONE]\n\n");
          break;
        }
        case behaviour::llamacpp: {
          std::string body;
          for (auto& t : tokens)
            body += chunk({{"content", t}});
          json last{{"choices",
                     json::array(
                       {{{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}})},
                    {"timings", {{"predicted_ms", 12.5}}}};
          write(ok_head + body + "data: " + last.dump() + "\n\n");
          break;
        }
        case behaviour::length: {
          std::string body;
          for (auto& t : tokens)
            body += chunk({{"content", t}});
          write(ok_head + body + chunk(json::object(), "length") + "data: [DONE]\n\n");
          break;
        }
        case behaviour::drip: {
          auto all = ok_head + normal;
          for (char c : all) {
            write(std::string(1, c));
            std::this_thread::sleep_for(std::chrono::microseconds(200)); // pacing the mock's output
          }
          break;
        }
        case behaviour::stall_before:
          write(ok_head);
          wait_or_closed(s, std::chrono::milliseconds(10000));
          break;
        case behaviour::stall_mid:
          write(ok_head + chunk({{"content", tokens.at(0)}}) + chunk({{"content", tokens.at(1)}}));
          wait_or_closed(s, std::chrono::milliseconds(10000));
          break;
        case behaviour::drop_mid:
          write(ok_head + chunk({{"content", tokens.at(0)}}) + chunk({{"content", tokens.at(1)}}));
          break; // closed below without finishing
        case behaviour::status_500: status("500 Internal Server Error", ""); break;
        case behaviour::status_429: status("429 Too Many Requests", "Retry-After: 1\r\n"); break;
        case behaviour::status_401: status("401 Unauthorized", ""); break;
        case behaviour::malformed:
          write(ok_head + "data: {this is not json\n\n");
          wait_or_closed(s, std::chrono::milliseconds(2000));
          break;
        case behaviour::break_after:
        case behaviour::resume:
        case behaviour::echo_resume: {
          auto prefix = prefix_of(last_request_of(req));
          auto rest = rest_after(prefix);
          write(ok_head);
          if (b == behaviour::echo_resume)
            for (std::size_t i = 0; i < prefix.size();) { // one UTF-8 character per chunk, ...
              auto c = static_cast<unsigned char>(prefix[i]);
              std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
              write(chunk({{"content", prefix.substr(i, n)}}));
              i += n;
              std::this_thread::sleep_for(std::chrono::milliseconds(2)); // ... apart, as a model
            }
          std::size_t limit;
          std::chrono::milliseconds delay;
          {
            std::lock_guard lock{mtx};
            limit = b == behaviour::break_after ? break_after : rest.size();
            delay = b == behaviour::resume ? resume_delay : std::chrono::milliseconds{0};
          }
          if (delay.count() > 0 && wait_or_closed(s, delay))
            break; // the client gave up first
          std::string body;
          for (std::size_t i = 0; i < rest.size() && i < limit; ++i)
            body += chunk({{"content", rest[i]}});
          if (b != behaviour::break_after)
            body += chunk(json::object(), "stop") + "data: [DONE]\n\n";
          write(body);
          break; // break_after: closed below without finishing
        }
        case behaviour::error_event:
          write(ok_head + R"(data: {"error":{"message":"model overloaded","code":503}})" + "\n\n");
          wait_or_closed(s, std::chrono::milliseconds(2000));
          break;
      }
      beast::error_code ec;
      s.shutdown(tcp::socket::shutdown_both, ec);
      s.close(ec);
    } catch (const std::exception&) {
      // the client went away: fine for a mock
    }
  }
};

mock_openai::mock_openai(std::vector<std::string> tokens) : impl_(std::make_unique<impl>()) {
  impl_->tokens = std::move(tokens);
  tcp::endpoint ep{net::ip::make_address("127.0.0.1"), 0};
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] {
    for (;;) {
      beast::error_code ec;
      tcp::socket s{impl_->ioc};
      impl_->acceptor.accept(s, ec);
      if (ec)
        return;
      std::lock_guard lock{impl_->mtx};
      if (impl_->stopping)
        return;
      impl_->workers.emplace_back(
        [this, sock = std::move(s)]() mutable { impl_->serve(std::move(sock)); });
    }
  });
}

mock_openai::~mock_openai() {
  {
    std::lock_guard lock{impl_->mtx};
    impl_->stopping = true;
  }
  beast::error_code ec;
  // unblock accept() by connecting once; the acceptor is closed only after its thread is gone
  // (asio objects are not thread-safe: closing it under a blocked accept() is a data race)
  try {
    net::io_context ioc;
    tcp::socket s{ioc};
    s.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), port()}, ec);
  } catch (...) {
  }
  if (impl_->accept_thread.joinable())
    impl_->accept_thread.join();
  impl_->acceptor.close(ec);
  std::vector<std::thread> ws;
  {
    std::lock_guard lock{impl_->mtx};
    ws.swap(impl_->workers);
  }
  for (auto& w : ws)
    if (w.joinable())
      w.join();
}

std::uint16_t mock_openai::port() const { return impl_->port; }

void mock_openai::script(std::vector<behaviour> next, behaviour fallback) {
  std::lock_guard lock{impl_->mtx};
  impl_->script.assign(next.begin(), next.end());
  impl_->fallback = fallback;
}

int mock_openai::requests() const {
  std::lock_guard lock{impl_->mtx};
  return impl_->requests;
}

int mock_openai::embedding_requests() const {
  std::lock_guard lock{impl_->mtx};
  return impl_->embedding_requests;
}

nlohmann::json mock_openai::last_request() const {
  std::lock_guard lock{impl_->mtx};
  return impl_->last_request;
}

void mock_openai::set_break_after(std::size_t n) {
  std::lock_guard lock{impl_->mtx};
  impl_->break_after = n;
}

void mock_openai::set_resume_delay(std::chrono::milliseconds d) {
  std::lock_guard lock{impl_->mtx};
  impl_->resume_delay = d;
}

std::vector<nlohmann::json> mock_openai::chat_requests() const {
  std::lock_guard lock{impl_->mtx};
  return impl_->chat_requests;
}

std::string mock_openai::last_authorization() const {
  std::lock_guard lock{impl_->mtx};
  return impl_->last_auth;
}

std::string mock_openai::last_traceparent() const {
  std::lock_guard lock{impl_->mtx};
  return impl_->last_traceparent;
}

std::vector<std::chrono::steady_clock::time_point> mock_openai::request_times() const {
  std::lock_guard lock{impl_->mtx};
  return impl_->times;
}

int mock_openai::closed_by_client() const {
  std::lock_guard lock{impl_->mtx};
  return impl_->closed_by_client;
}

} // namespace xinyu::test
