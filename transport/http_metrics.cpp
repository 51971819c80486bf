// HTTP responses by route and status class; counters are registered on first use and cached,
// so counting is two atomic operations. Must never add a route label that is not in `routes`.
#include "transport/http_metrics.hpp"

#include "core/support/metrics.hpp"

#include <array>
#include <atomic>
#include <string>

namespace xinyu::transport {

namespace {

constexpr std::array<std::string_view, 16> routes = {"/",
                                                     "/healthz",
                                                     "/readyz",
                                                     "/metrics",
                                                     "/v1/ws",
                                                     "/v1/chat",
                                                     "/v1/chat/completions",
                                                     "/v1/history",
                                                     "/v1/models",
                                                     "/v1/models/{id}",
                                                     "/v1/emergency_contact",
                                                     "/v1/memories",
                                                     "/v1/memories/{id}",
                                                     "/admin/chaos",
                                                     "/admin/reports/crisis",
                                                     "other"};

constexpr std::array<std::string_view, 5> classes = {"1xx", "2xx", "3xx", "4xx", "5xx"};

std::array<std::array<std::atomic<core::counter*>, classes.size()>, routes.size()> cache{};

} // namespace

std::string_view http_route(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  if (path == "/index.html")
    return "/";
  if (path.rfind("/v1/models/", 0) == 0 && path.size() > 11)
    return "/v1/models/{id}";
  if (path.rfind("/v1/memories/", 0) == 0 && path.size() > 13)
    return "/v1/memories/{id}";
  for (auto r : routes)
    if (r == path)
      return r;
  return "other";
}

void count_http_response(std::string_view route, unsigned status) {
  std::size_t r = routes.size() - 1;
  for (std::size_t i = 0; i < routes.size(); ++i)
    if (routes[i] == route)
      r = i;
  std::size_t c = status >= 100 && status < 600 ? status / 100 - 1 : classes.size() - 1;
  auto* counter = cache[r][c].load(std::memory_order_acquire);
  if (!counter) {
    counter = &core::metrics().get_counter(
      "xinyu_http_requests_total",
      "HTTP responses (and WebSocket upgrades) by route and status class",
      core::metric_labels({{"route", routes[r]}, {"code", classes[c]}}));
    cache[r][c].store(counter, std::memory_order_release);
  }
  counter->inc();
}

} // namespace xinyu::transport
