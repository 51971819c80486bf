// Aho-Corasick automaton over bytes for the phrase tables of the safety stage.
// Must never allocate while matching: all tables are flat vectors fixed by build().
#include "core/support/phrase_matcher.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>

namespace xinyu::core {

void phrase_matcher::add(std::string_view phrase, std::uint32_t id) {
  if (built_)
    throw std::logic_error("phrase_matcher::add after build");
  if (phrase.empty())
    return;
  std::uint32_t state = 0;
  for (char ch : phrase) {
    auto b = static_cast<unsigned char>(ch);
    auto& out = building_edges_[state];
    auto it = std::find_if(out.begin(), out.end(), [b](const edge& e) { return e.byte == b; });
    if (it != out.end()) {
      state = it->to;
      continue;
    }
    auto to = static_cast<std::uint32_t>(building_edges_.size());
    out.push_back({b, to});
    building_edges_.emplace_back();
    building_ids_.emplace_back();
    state = to;
  }
  auto& ids = building_ids_[state];
  if (std::find(ids.begin(), ids.end(), id) == ids.end())
    ids.push_back(id);
}

std::uint32_t phrase_matcher::child(std::uint32_t state, unsigned char byte) const noexcept {
  if (state == 0)
    return root_[byte];
  const auto& n = nodes_[state];
  auto first = edges_.begin() + n.edge_begin, last = edges_.begin() + n.edge_end;
  auto it =
    std::lower_bound(first, last, byte, [](const edge& e, unsigned char b) { return e.byte < b; });
  return it != last && it->byte == byte ? it->to : 0;
}

std::uint32_t phrase_matcher::next(std::uint32_t state, unsigned char byte) const noexcept {
  while (true) {
    if (state == 0)
      return root_[byte];
    if (auto to = child(state, byte))
      return to;
    state = nodes_[state].fail;
  }
}

void phrase_matcher::build() {
  if (built_)
    return;
  built_ = true;
  const auto count = building_edges_.size();
  nodes_.assign(count, node{});
  for (std::size_t s = 0; s < count; ++s) {
    auto& out = building_edges_[s];
    std::sort(out.begin(), out.end(), [](const edge& a, const edge& b) { return a.byte < b.byte; });
    nodes_[s].edge_begin = static_cast<std::uint32_t>(edges_.size());
    edges_.insert(edges_.end(), out.begin(), out.end());
    nodes_[s].edge_end = static_cast<std::uint32_t>(edges_.size());
  }
  for (const auto& e : building_edges_[0])
    root_[e.byte] = e.to;
  // breadth first: a node's failure link is the longest proper suffix that is also in the trie,
  // and its outputs are its own ids followed by its failure node's (already complete) outputs
  std::vector<std::vector<std::uint32_t>> all_ids(count);
  std::deque<std::uint32_t> queue;
  for (const auto& e : building_edges_[0]) {
    nodes_[e.to].fail = 0;
    queue.push_back(e.to);
  }
  while (!queue.empty()) {
    auto s = queue.front();
    queue.pop_front();
    all_ids[s] = building_ids_[s];
    const auto& suffix = all_ids[nodes_[s].fail];
    for (auto id : suffix)
      if (std::find(all_ids[s].begin(), all_ids[s].end(), id) == all_ids[s].end())
        all_ids[s].push_back(id);
    for (const auto& e : building_edges_[s]) {
      nodes_[e.to].fail = next(nodes_[s].fail, e.byte);
      queue.push_back(e.to);
    }
  }
  for (std::size_t s = 0; s < count; ++s) {
    nodes_[s].out_begin = static_cast<std::uint32_t>(outputs_.size());
    outputs_.insert(outputs_.end(), all_ids[s].begin(), all_ids[s].end());
    nodes_[s].out_end = static_cast<std::uint32_t>(outputs_.size());
  }
  building_edges_.clear();
  building_edges_.shrink_to_fit();
  building_ids_.clear();
  building_ids_.shrink_to_fit();
}

bool phrase_matcher::contains_any(std::string_view text) const {
  bool found = false;
  for_each_match(text, [&found](std::uint32_t) {
    found = true;
    return false;
  });
  return found;
}

} // namespace xinyu::core
