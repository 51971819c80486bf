// Process-wide metrics registry rendered as Prometheus text.
// Lock-free on the hot path; must never block a caller.
#include "core/support/metrics.hpp"

#include <cstdio>
#include <map>

namespace xinyu::core {

void histogram::observe(double seconds) noexcept {
  std::size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i])
    ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(seconds < 0 ? 0 : seconds * 1e9),
                    std::memory_order_relaxed);
}

double histogram::sum() const noexcept {
  return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
}

std::string metric_label(std::string_view name, std::string_view value) {
  std::string out{name};
  out += "=\"";
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  out += '"';
  return out;
}

std::string
metric_labels(std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty())
      out += ',';
    out += metric_label(k, v);
  }
  return out;
}

namespace {

/// HELP text escapes backslash and newline (the exposition format's rule for docstrings).
std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

} // namespace

void metrics_registry::add_collector(std::function<void(std::string&)> append) {
  std::lock_guard lock{mtx_};
  collectors_.push_back(std::move(append));
}

void* metrics_registry::find(kind k, const std::string& name, const std::string& labels) const {
  for (const auto& e : entries_)
    if (e.k == k && e.name == name && e.labels == labels)
      return k == kind::counter ? static_cast<void*>(e.c)
             : k == kind::gauge ? static_cast<void*>(e.g)
                                : static_cast<void*>(e.h);
  return nullptr;
}

counter& metrics_registry::get_counter(const std::string& name, const std::string& help,
                                       const std::string& labels) {
  std::lock_guard lock{mtx_};
  if (auto* p = find(kind::counter, name, labels))
    return *static_cast<counter*>(p);
  auto& c = counters_.emplace_back();
  entries_.push_back(entry{kind::counter, name, help, labels, &c, nullptr, nullptr});
  return c;
}

gauge& metrics_registry::get_gauge(const std::string& name, const std::string& help,
                                   const std::string& labels) {
  std::lock_guard lock{mtx_};
  if (auto* p = find(kind::gauge, name, labels))
    return *static_cast<gauge*>(p);
  auto& g = gauges_.emplace_back();
  entries_.push_back(entry{kind::gauge, name, help, labels, nullptr, &g, nullptr});
  return g;
}

histogram& metrics_registry::get_histogram(const std::string& name, const std::string& help,
                                           const std::string& labels) {
  std::lock_guard lock{mtx_};
  if (auto* p = find(kind::histogram, name, labels))
    return *static_cast<histogram*>(p);
  auto& h = histograms_.emplace_back();
  entries_.push_back(entry{kind::histogram, name, help, labels, nullptr, nullptr, &h});
  return h;
}

std::string metrics_registry::render() const {
  std::lock_guard lock{mtx_};
  // group by name so HELP/TYPE appear once per family
  std::map<std::string, std::vector<const entry*>> families;
  for (const auto& e : entries_)
    families[e.name].push_back(&e);
  std::string out;
  char buf[64];
  for (const auto& [name, list] : families) {
    const auto* first = list.front();
    const char* type = first->k == kind::counter ? "counter"
                       : first->k == kind::gauge ? "gauge"
                                                 : "histogram";
    out +=
      "# HELP " + name + " " + escape_help(first->help) + "\n# TYPE " + name + " " + type + "\n";
    for (const auto* e : list) {
      std::string lbl = e->labels.empty() ? "" : "{" + e->labels + "}";
      if (e->k == kind::counter) {
        out += name + lbl + " " + std::to_string(e->c->value()) + "\n";
      } else if (e->k == kind::gauge) {
        out += name + lbl + " " + std::to_string(e->g->value()) + "\n";
      } else {
        std::uint64_t cum = 0;
        std::string sep = e->labels.empty() ? "" : e->labels + ",";
        for (std::size_t i = 0; i <= histogram::bounds.size(); ++i) {
          cum += e->h->bucket(i);
          std::string le = "+Inf";
          if (i < histogram::bounds.size()) {
            std::snprintf(buf, sizeof buf, "%g", histogram::bounds[i]);
            le = buf;
          }
          out += name + "_bucket{" + sep + "le=\"" + le + "\"} " + std::to_string(cum) + "\n";
        }
        std::snprintf(buf, sizeof buf, "%.9g", e->h->sum());
        out += name + "_sum" + lbl + " " + buf + "\n";
        out += name + "_count" + lbl + " " + std::to_string(e->h->count()) + "\n";
      }
    }
  }
  for (const auto& append : collectors_)
    append(out);
  return out;
}

metrics_registry& metrics() {
  static metrics_registry reg;
  return reg;
}

} // namespace xinyu::core
