// Unit tests for core/support/metrics: Prometheus text exposition of counters, gauges and
// histograms.
#include "core/support/metrics.hpp"

#include <catch2/catch.hpp>

using namespace xinyu::core;

TEST_CASE("registry renders Prometheus text", "[metrics]") {
  metrics_registry reg;
  reg.get_counter("t_total", "turns", "finish=\"stop\"").inc(3);
  reg.get_counter("t_total", "turns", "finish=\"error\"").inc();
  reg.get_gauge("conns", "connections").add(2);
  auto& h = reg.get_histogram("lat_ms", "latency");
  h.observe(0.2);
  h.observe(7);
  h.observe(100000);
  CHECK(&reg.get_counter("t_total", "turns", "finish=\"stop\"") != nullptr);
  auto text = reg.render();
  CHECK(text.find("# TYPE t_total counter") != std::string::npos);
  CHECK(text.find("t_total{finish=\"stop\"} 3") != std::string::npos);
  CHECK(text.find("t_total{finish=\"error\"} 1") != std::string::npos);
  CHECK(text.find("conns 2") != std::string::npos);
  CHECK(text.find("lat_ms_bucket{le=\"0.5\"} 1") != std::string::npos);
  CHECK(text.find("lat_ms_bucket{le=\"10\"} 2") != std::string::npos);
  CHECK(text.find("lat_ms_bucket{le=\"+Inf\"} 3") != std::string::npos);
  CHECK(text.find("lat_ms_count 3") != std::string::npos);
  // one HELP line per family
  CHECK(text.find("# HELP t_total") == text.rfind("# HELP t_total"));
}
