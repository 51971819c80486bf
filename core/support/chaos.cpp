// Failure injection knobs per worker kind, shared by actors and the admin endpoint.
// Off by default; every injection is counted. Must never act on its own.
#include "core/support/chaos.hpp"

#include "core/support/metrics.hpp"

#include <nlohmann/json.hpp>

#include <random>

namespace xinyu::core {

std::optional<chaos_kind> parse_chaos_kind(std::string_view name) {
  for (std::size_t i = 0; i < chaos_kind_names.size(); ++i)
    if (name == chaos_kind_names[i])
      return static_cast<chaos_kind>(i);
  return std::nullopt;
}

namespace {

double draw() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return std::uniform_real_distribution<double>{0, 1}(rng);
}

void count(chaos_kind k, const char* fault) {
  metrics()
    .get_counter("xinyu_chaos_injected_total", "faults injected by failure injection",
                 std::string{"kind=\""} + chaos_kind_names[static_cast<std::size_t>(k)]
                   + "\",fault=\"" + fault + "\"")
    .inc();
}

} // namespace

chaos_action chaos_settings::decide(chaos_kind k) {
  chaos_action a;
  auto& kn = (*this)[k];
  double crash = kn.crash_rate.load(std::memory_order_relaxed);
  double hang = kn.hang_rate.load(std::memory_order_relaxed);
  double fail = kn.fail_rate.load(std::memory_order_relaxed);
  unsigned delay = kn.delay_ms.load(std::memory_order_relaxed);
  if (crash == 0 && hang == 0 && fail == 0 && delay == 0)
    return a; // the common case: no random draw, no metric
  if (crash > 0 && draw() < crash) {
    a.crash = true;
    count(k, "crash");
    return a;
  }
  if (hang > 0 && draw() < hang) {
    a.hang = true;
    count(k, "hang");
    return a;
  }
  if (fail > 0 && draw() < fail) {
    a.fail = true;
    count(k, "fail");
  }
  if (delay > 0) {
    a.delay_ms = delay;
    count(k, "delay");
  }
  return a;
}

bool chaos_settings::any() const {
  for (const auto& k : knobs_)
    if (k.crash_rate > 0 || k.hang_rate > 0 || k.fail_rate > 0 || k.delay_ms > 0)
      return true;
  return false;
}

void chaos_settings::clear() {
  for (auto& k : knobs_) {
    k.crash_rate = 0;
    k.hang_rate = 0;
    k.fail_rate = 0;
    k.delay_ms = 0;
  }
}

std::string chaos_settings::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t i = 0; i < knobs_.size(); ++i)
    j[chaos_kind_names[i]] = {{"crash_rate", knobs_[i].crash_rate.load()},
                              {"hang_rate", knobs_[i].hang_rate.load()},
                              {"fail_rate", knobs_[i].fail_rate.load()},
                              {"delay_ms", knobs_[i].delay_ms.load()}};
  return j.dump();
}

std::string chaos_settings::apply_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object())
    return "body must be a JSON object like {\"emotion\":{\"crash_rate\":0.1}}";
  // validate everything first, then apply: a bad patch changes nothing
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto kind = parse_chaos_kind(it.key());
    if (!kind)
      return "unknown worker kind '" + it.key().substr(0, 40)
             + "' (emotion, safety, memory, llm, storage, session)";
    if (!it->is_object())
      return "'" + it.key() + "' must be an object";
    for (auto f = it->begin(); f != it->end(); ++f) {
      if (!f->is_number())
        return it.key() + "." + f.key() + " must be a number";
      double v = f->get<double>();
      if (f.key() == "delay_ms") {
        if (v < 0 || v > 600000)
          return it.key() + ".delay_ms must be between 0 and 600000";
      } else if (f.key() == "crash_rate" || f.key() == "hang_rate" || f.key() == "fail_rate") {
        if (v < 0 || v > 1)
          return it.key() + "." + f.key() + " must be between 0 and 1";
        if (v > 0 && it.key() == "storage" && f.key() == "crash_rate")
          return "storage.crash_rate is not supported: the storage actor owns the only RocksDB "
                 "handle; inject storage.fail_rate, delay_ms or hang_rate instead";
        if (v > 0 && it.key() == "session" && f.key() != "crash_rate")
          return "session supports crash_rate only (a session enforces every other deadline "
                 "itself)";
        if (v > 0 && f.key() == "fail_rate" && it.key() != "llm" && it.key() != "storage")
          return "fail_rate applies to llm and storage only";
      } else {
        return "unknown chaos field '" + it.key() + "." + f.key().substr(0, 40) + "'";
      }
    }
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    auto& k = (*this)[*parse_chaos_kind(it.key())];
    for (auto f = it->begin(); f != it->end(); ++f) {
      if (f.key() == "delay_ms")
        k.delay_ms = static_cast<unsigned>(f->get<double>());
      else if (f.key() == "crash_rate")
        k.crash_rate = f->get<double>();
      else if (f.key() == "hang_rate")
        k.hang_rate = f->get<double>();
      else
        k.fail_rate = f->get<double>();
    }
  }
  return "";
}

} // namespace xinyu::core
