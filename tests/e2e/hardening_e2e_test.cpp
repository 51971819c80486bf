// End-to-end attacks on the real binary by clients that never authenticate or never read:
// the server must stay bounded in memory, drop them by its deadlines and keep serving others.
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <regex>
#include <thread>

using namespace xinyu::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// A raw WebSocket connection that completes the handshake, then only writes: it never reads,
/// so every reply (and the close frame) piles up at the server. Tiny receive buffer on purpose.
class non_reading_client {
public:
  explicit non_reading_client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    int small = 1024;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    std::string req = "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n";
    REQUIRE(::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) == ssize_t(req.size()));
    // read exactly the 101 response's headers, byte by byte, and nothing after them
    std::string head;
    char ch;
    while (head.find("\r\n\r\n") == std::string::npos && ::recv(fd_, &ch, 1, 0) == 1)
      head += ch;
    REQUIRE(head.rfind("HTTP/1.1 101", 0) == 0);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~non_reading_client() { ::close(fd_); }

  /// Writes masked text frames holding `payload` for up to `budget`, without ever reading;
  /// returns how many whole frames the kernel took.
  std::size_t flood(const std::string& payload, std::chrono::milliseconds budget,
                    std::size_t max_frames) {
    std::string f;
    f += char(0x81);
    f += char(0x80 | payload.size()); // payload < 126 bytes
    f.append("\0\0\0\0", 4);          // zero mask: the payload goes as it is
    f += payload;
    std::size_t sent = 0;
    auto until = std::chrono::steady_clock::now() + budget;
    while (sent < max_frames && std::chrono::steady_clock::now() < until) {
      auto n = ::send(fd_, f.data(), f.size(), MSG_NOSIGNAL);
      if (n == ssize_t(f.size())) {
        ++sent;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd p{fd_, POLLOUT, 0};
        ::poll(&p, 1, 20);
        continue;
      }
      break; // reset or partial write: the server is gone or dropped us
    }
    return sent;
  }

private:
  int fd_ = -1;
};

long rss_kb(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

double metric(std::uint16_t port, const std::string& name) {
  auto body = http_get(port, "/metrics").second;
  std::smatch m;
  if (std::regex_search(body, m, std::regex{"\n" + name + " ([0-9.e+]+)"}))
    return std::stod(m[1]);
  return -1;
}

/// Polls /metrics until `name` equals `want` or the deadline passes; returns the last value.
double wait_metric(std::uint16_t port, const std::string& name, double want,
                   std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  double v = metric(port, name);
  while (v != want && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms); // polling an external process, not synchronising threads
    v = metric(port, name);
  }
  return v;
}

} // namespace

TEST_CASE("e2e: unauthenticated pings from a client that never reads cannot grow the server",
          "[e2e][security]") {
  server_process srv{json{
    {"transport", {{"auth_timeout_ms", 5000}, {"close_timeout_ms", 500}, {"pre_auth_max_frames", 16}}}}};
  auto before = rss_kb(srv.pid());
  REQUIRE(before > 0);
  {
    std::vector<std::unique_ptr<non_reading_client>> attackers;
    for (int i = 0; i < 4; ++i)
      attackers.push_back(std::make_unique<non_reading_client>(srv.port()));
    for (auto& a : attackers)
      a->flood(R"({"type":"ping"})", 400ms, 200000);

    // every attacker is dropped by its frame budget plus the close deadline (well before the
    // 5 s auth timeout), even though none of them ever reads its close frame
    CHECK(wait_metric(srv.port(), "xinyu_connections", 0, 3s) == 0);
    CHECK(metric(srv.port(), "xinyu_pre_auth_budget_closed_total") >= 4);
    // the server stays healthy and its memory bounded (before the fix: ~60 MB per attacker)
    CHECK(http_get(srv.port(), "/healthz").first == 200);
    auto after = rss_kb(srv.pid());
    INFO("RSS before " << before << " kB, after " << after << " kB");
    CHECK(after - before < 20 * 1024);
  }
  // and a real user is served as usual
  ws_client c{srv.port()};
  c.auth("after-the-flood");
  c.send({{"type", "chat"}, {"id", "a1"}, {"text", "hello"}});
  CHECK(c.read_until("done")["finish"] == "stop");
}

TEST_CASE("e2e: the pre-auth frame budget closes with 1008 and pings do not reset it",
          "[e2e][security]") {
  server_process srv{json{{"transport", {{"pre_auth_max_frames", 5}}}}};
  ws_client c{srv.port()};
  for (int i = 0; i < 5; ++i) {
    c.send({{"type", "ping"}});
    CHECK(c.read_until("pong")["type"] == "pong");
  }
  c.send({{"type", "ping"}}); // the sixth frame before auth
  auto code = c.wait_closed(5s);
  REQUIRE(code);
  CHECK(*code == 1008);

  // the same number of frames after auth is fine
  ws_client ok{srv.port()};
  ok.auth("pinger");
  for (int i = 0; i < 10; ++i) {
    ok.send({{"type", "ping"}});
    CHECK(ok.read_until("pong")["type"] == "pong");
  }
}

TEST_CASE("e2e: a slow reader that never reads its close frame is dropped by the close deadline",
          "[e2e][security]") {
  server_process srv{json{{"transport", {{"auth_timeout_ms", 300}, {"close_timeout_ms", 300}}}}};
  non_reading_client idle{srv.port()};
  // sends nothing: the auth timeout closes it; it never reads, yet it must be gone soon after
  CHECK(wait_metric(srv.port(), "xinyu_connections", 0, 3s) == 0);
  CHECK(metric(srv.port(), "xinyu_auth_timeouts_total") == 1);
  CHECK(metric(srv.port(), "xinyu_close_deadline_drops_total") == 1);
}
