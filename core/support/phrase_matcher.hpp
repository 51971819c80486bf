// Many fixed phrases found in one pass over a text (Aho-Corasick over bytes): which of them
// occur, in time linear in the text whatever the number of phrases. Immutable after build();
// must never allocate while matching or depend on any actor, socket or storage type.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace xinyu::core {

class phrase_matcher {
public:
  /// Adds a phrase reported as `id` when it occurs (empty phrases are ignored). Before build().
  void add(std::string_view phrase, std::uint32_t id);
  /// Links the automaton; add() is not allowed afterwards.
  void build();
  bool empty() const noexcept { return nodes_.size() <= 1; }

  /// Calls on_match(id) for every occurrence of every phrase in `text` (an id may be reported
  /// more than once). on_match returns false to stop early.
  template <class F>
  void for_each_match(std::string_view text, F&& on_match) const {
    std::uint32_t state = 0;
    for (char ch : text) {
      state = next(state, static_cast<unsigned char>(ch));
      const auto& n = nodes_[state];
      for (std::uint32_t k = n.out_begin; k < n.out_end; ++k)
        if (!on_match(outputs_[k]))
          return;
    }
  }

  /// True when any phrase occurs in `text`.
  bool contains_any(std::string_view text) const;

private:
  struct node {
    std::uint32_t edge_begin = 0, edge_end = 0; // into edges_ (sorted by byte) after build()
    std::uint32_t fail = 0;
    std::uint32_t out_begin = 0, out_end = 0; // into outputs_: this node's ids and its suffixes'
  };
  struct edge {
    unsigned char byte;
    std::uint32_t to;
  };
  std::uint32_t child(std::uint32_t state, unsigned char byte) const noexcept;
  std::uint32_t next(std::uint32_t state, unsigned char byte) const noexcept;

  std::vector<node> nodes_{1};
  std::vector<edge> edges_;
  std::vector<std::uint32_t> outputs_;
  std::uint32_t root_[256] = {}; // the root's transitions, dense (0 = stay at the root)
  // before build(): the trie as (parent, byte, child) and each node's own ids
  std::vector<std::vector<edge>> building_edges_{1};
  std::vector<std::vector<std::uint32_t>> building_ids_{1};
  bool built_ = false;
};

} // namespace xinyu::core
