// Unit tests for core/support/metrics: Prometheus text exposition of counters, gauges and
// histograms in base units, escaped label values and HELP text, collectors and process_*.
#include "core/support/metrics.hpp"
#include "core/support/process_metrics.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace xinyu::core;

TEST_CASE("registry renders Prometheus text", "[metrics]") {
  metrics_registry reg;
  reg.get_counter("t_total", "turns", "finish=\"stop\"").inc(3);
  reg.get_counter("t_total", "turns", "finish=\"error\"").inc();
  reg.get_gauge("conns", "connections").add(2);
  auto& h = reg.get_histogram("lat_seconds", "latency");
  h.observe(0.0002);
  h.observe(std::chrono::milliseconds{7});
  h.observe(100.0);
  CHECK(&reg.get_counter("t_total", "turns", "finish=\"stop\"") != nullptr);
  auto text = reg.render();
  CHECK(text.find("# TYPE t_total counter") != std::string::npos);
  CHECK(text.find("t_total{finish=\"stop\"} 3") != std::string::npos);
  CHECK(text.find("t_total{finish=\"error\"} 1") != std::string::npos);
  CHECK(text.find("conns 2") != std::string::npos);
  CHECK(text.find("lat_seconds_bucket{le=\"0.0001\"} 0") != std::string::npos);
  CHECK(text.find("lat_seconds_bucket{le=\"0.0005\"} 1") != std::string::npos);
  CHECK(text.find("lat_seconds_bucket{le=\"0.005\"} 1") != std::string::npos);
  CHECK(text.find("lat_seconds_bucket{le=\"0.01\"} 2") != std::string::npos);
  CHECK(text.find("lat_seconds_bucket{le=\"60\"} 2") != std::string::npos);
  CHECK(text.find("lat_seconds_bucket{le=\"+Inf\"} 3") != std::string::npos);
  CHECK(text.find("lat_seconds_count 3") != std::string::npos);
  CHECK(h.sum() == Approx(100.0072));
  CHECK(text.find("lat_seconds_sum 100.0072") != std::string::npos);
  // one HELP line per family
  CHECK(text.find("# HELP t_total") == text.rfind("# HELP t_total"));
}

TEST_CASE("label values and HELP text are escaped", "[metrics]") {
  CHECK(metric_label("endpoint", "my \"prod\" \\ llm\nx")
        == "endpoint=\"my \\\"prod\\\" \\\\ llm\\nx\"");
  CHECK(metric_labels({{"a", "1"}, {"b", "\""}}) == "a=\"1\",b=\"\\\"\"");
  metrics_registry reg;
  reg.get_counter("x_total", "a \\ help\nline", metric_label("endpoint", "q\"")).inc();
  auto text = reg.render();
  CHECK(text.find("# HELP x_total a \\\\ help\\nline\n") != std::string::npos);
  CHECK(text.find("x_total{endpoint=\"q\\\"\"} 1") != std::string::npos);
}

TEST_CASE("collectors append their families on every render", "[metrics]") {
  metrics_registry reg;
  int calls = 0;
  reg.add_collector([&](std::string& out) {
    ++calls;
    out += "# HELP y_gauge g\n# TYPE y_gauge gauge\ny_gauge " + std::to_string(calls) + "\n";
  });
  CHECK(reg.render().find("y_gauge 1\n") != std::string::npos);
  CHECK(reg.render().find("y_gauge 2\n") != std::string::npos);
}

TEST_CASE("process metrics read this process from the kernel", "[metrics]") {
  std::string out;
  append_process_metrics(out);
  auto value = [&](const std::string& name) {
    auto at = out.find("\n" + name + " ");
    REQUIRE(at != std::string::npos);
    return std::stod(out.substr(at + name.size() + 2));
  };
  CHECK(value("process_cpu_seconds_total") > 0);
  CHECK(value("process_resident_memory_bytes") > 1024 * 1024);
  CHECK(value("process_virtual_memory_bytes") >= value("process_resident_memory_bytes"));
  CHECK(value("process_open_fds") >= 3);
  CHECK(value("process_max_fds") >= value("process_open_fds"));
  auto now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
  CHECK(value("process_start_time_seconds") <= now.count() + 1);
  CHECK(value("process_start_time_seconds") > now.count() - 24 * 3600);
  CHECK(out.find("# TYPE process_cpu_seconds_total counter") != std::string::npos);
}
