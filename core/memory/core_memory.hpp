// Core memory: a bounded profile of what matters most about a person (health and diet, the
// people and pets in their life, what they are going through, who they are, work, home, plans,
// likes), kept from their remembered facts and always in the prompt within a token budget, as
// Letta's core memory blocks are; retrieval adds the rest. Pure; must never store or embed.
#pragma once

#include "core/memory/fact_slot.hpp"
#include "core/memory/memory_id.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::core {

class core_memory {
public:
  struct options {
    std::size_t token_budget = 256;  // memory.core_tokens; 0: no profile
    std::size_t max_facts = 500;     // facts followed at most (the oldest go first)
    std::size_t per_single_slot = 2; // identity, work, home: the newest this many count
  };

  core_memory();
  explicit core_memory(options o);

  /// A fact the user told (fact `ref.index` of turn `ref.turn`); a known ref is replaced, and
  /// the same words told before are followed from this newer telling only.
  void add(const memory_ref& ref, std::string text);
  /// The user deleted it; false when unknown.
  bool remove(const memory_ref& ref);
  void clear();

  /// The profile: the most important facts that fit the token budget (each slot by priority,
  /// newest first within a slot; single-valued slots only their newest few), returned in the
  /// order they were told, so the block changes only when its facts do.
  std::vector<std::string> select() const;

  std::size_t size() const noexcept { return facts_.size(); }

private:
  struct fact {
    std::string text;
    fact_slot slot;
    std::size_t tokens;
  };
  options opts_;
  std::map<std::uint64_t, fact> facts_; // by memory_ref::key(): the order they were told
};

/// What the prompts show of the profile. It rides in the system message, so it changes only
/// when it must or when that costs no cached turns: after a fact was deleted or edited, or the
/// recent window slid between turns (`invalidate`), when the prompt carries no recent turns,
/// or when the builder slides the window for the budget (the prompt starts anew then anyway:
/// `refresh`). Facts chosen since it was last shown ride with
/// the turn's recalled memories meanwhile, so a fact is in the prompt from the next turn on.
class shown_profile {
public:
  void invalidate() noexcept { stale_ = true; }

  /// The profile and the memories for one prompt, from the profile now (`fresh`, as
  /// core_memory::select) and the turn's `recalled` memories (no fact twice).
  struct placement {
    std::vector<std::string> profile;
    std::vector<std::string> memories;
  };
  placement place(const std::vector<std::string>& fresh, const std::vector<std::string>& recalled,
                  bool no_recent_turns);

  /// The window slid: show `fresh` from now on; the placement for this prompt.
  placement refresh(const std::vector<std::string>& fresh,
                    const std::vector<std::string>& recalled);

  const std::vector<std::string>& shown() const noexcept { return shown_; }

private:
  placement split(const std::vector<std::string>& fresh,
                  const std::vector<std::string>& recalled) const;
  std::vector<std::string> shown_;
  bool stale_ = true;
};

} // namespace xinyu::core
