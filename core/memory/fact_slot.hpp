// What a remembered fact is about (health, people, pets, what the person is going through,
// ...), by rule. Pure; must never store, embed or call out.
#pragma once

#include <cstdint>
#include <string_view>

namespace xinyu::core {

/// What a fact is about, most important first (the order a full profile gives way in).
enum class fact_slot : std::uint8_t {
  health,    // allergies, diet, illness, medication, pregnancy, injuries
  people,    // family, partner, friends by relation or name
  pets,      // animals they keep
  situation, // what they are going through: loss, breakup, illness of someone, exams, moving
  identity,  // name, age, pronouns
  work,      // job, workplace, study
  home,      // where and how they live
  plans,     // upcoming events, trips, dates
  likes,     // preferences, hobbies, dislikes
  other,
};
std::string_view to_string(fact_slot s) noexcept;

/// The slot a fact (one sentence, Chinese or English) belongs to, by rule.
fact_slot classify_fact(std::string_view text);

/// The sentence speaks of the speaker (I, my, we, our, 我, 咱), or is an English sentence that
/// drops its subject the way people do in chat ("Got laid off in May").
bool first_person(std::string_view text);

} // namespace xinyu::core
