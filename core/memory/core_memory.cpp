// Core memory: facts sorted into slots by rule and the most important ones chosen to fit a
// token budget. Pure; must never store or embed.
#include "core/memory/core_memory.hpp"

#include "core/policy/token_count.hpp"

#include <algorithm>
#include <array>

namespace xinyu::core {

namespace {

bool single_valued(fact_slot s) {
  return s == fact_slot::identity || s == fact_slot::work || s == fact_slot::home;
}

} // namespace

core_memory::core_memory() : core_memory(options{}) {}
core_memory::core_memory(options o) : opts_(o) {}

void core_memory::add(const memory_ref& ref, std::string text) {
  if (text.empty())
    return;
  auto slot = classify_fact(text);
  auto tokens = approximate_tokens(text) + 4; // the quote marks and the list framing
  for (auto it = facts_.begin(); it != facts_.end(); ++it)
    if (it->first != ref.key() && it->second.text == text) { // told again: the newest counts
      facts_.erase(it);
      break;
    }
  facts_[ref.key()] = fact{std::move(text), slot, tokens};
  while (facts_.size() > std::max<std::size_t>(1, opts_.max_facts))
    facts_.erase(facts_.begin());
}

bool core_memory::remove(const memory_ref& ref) { return facts_.erase(ref.key()) > 0; }

void core_memory::clear() { facts_.clear(); }

std::vector<std::string> core_memory::select() const {
  std::vector<std::string> out;
  if (opts_.token_budget == 0 || facts_.empty())
    return out;
  // candidates by slot priority, newest first within a slot
  std::vector<std::pair<std::uint64_t, const fact*>> order;
  order.reserve(facts_.size());
  std::array<std::size_t, 10> taken{};
  for (auto it = facts_.rbegin(); it != facts_.rend(); ++it)
    order.emplace_back(it->first, &it->second);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return static_cast<int>(a.second->slot) < static_cast<int>(b.second->slot);
  });
  std::vector<std::uint64_t> chosen;
  std::size_t used = 0;
  for (const auto& [key, f] : order) {
    auto slot = static_cast<std::size_t>(f->slot);
    if (single_valued(f->slot) && taken[slot] >= opts_.per_single_slot)
      continue; // an older job or home is likely out of date; retrieval still has it
    if (used + f->tokens > opts_.token_budget)
      continue; // a shorter, less important fact may still fit
    used += f->tokens;
    ++taken[slot];
    chosen.push_back(key);
  }
  std::sort(chosen.begin(), chosen.end());
  out.reserve(chosen.size());
  for (auto key : chosen)
    out.push_back(facts_.at(key).text);
  return out;
}

shown_profile::placement shown_profile::split(const std::vector<std::string>& fresh,
                                              const std::vector<std::string>& recalled) const {
  placement p;
  p.profile = shown_;
  auto has = [](const std::vector<std::string>& v, const std::string& f) {
    return std::find(v.begin(), v.end(), f) != v.end();
  };
  for (const auto& f : fresh)
    if (!has(shown_, f))
      p.memories.push_back(f);
  for (const auto& f : recalled)
    if (!has(shown_, f) && !has(p.memories, f))
      p.memories.push_back(f);
  return p;
}

shown_profile::placement shown_profile::place(const std::vector<std::string>& fresh,
                                              const std::vector<std::string>& recalled,
                                              bool no_recent_turns) {
  if (stale_ || no_recent_turns) {
    shown_ = fresh;
    stale_ = false;
  }
  return split(fresh, recalled);
}

shown_profile::placement shown_profile::refresh(const std::vector<std::string>& fresh,
                                                const std::vector<std::string>& recalled) {
  shown_ = fresh;
  stale_ = false;
  return split(fresh, recalled);
}

} // namespace xinyu::core
