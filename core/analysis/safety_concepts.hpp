// Crisis structure as a clinician reads it: concept classes of the Columbia scale (wish to be
// dead, method, intent, plan, preparation), self-injury and harm to others, combined into
// findings. Pure and thread-safe after construction; must never call out or keep state.
#pragma once

#include "core/analysis/text_normalizer.hpp"
#include "core/support/phrase_matcher.hpp"

#include <bitset>
#include <initializer_list>
#include <string>
#include <vector>

namespace xinyu::core {

enum class concept_id : unsigned {
  self_ref,      // I, me, my, 我
  death,         // die, dead, death, 死
  method,        // rope, pills, bridge, roof, charcoal, 烧炭, 安眠药, 天台 ...
  lethality,     // lethal, fatal, "would it take", 致死, 会死, 多少够
  timing,        // tonight, tomorrow, decided, ready, 今晚, 决定, 准备
  preparation,   // bought, saved up, wrote a note, gave away, 买好, 攒, 遗书, 送人
  farewell,      // goodbye, last message, 永别, 下辈子
  finality,      // forever, for good, won't need, no longer, 再也, 永远, 不回来
  deceased,      // grandma in heaven, my late dad, 去世的, 天堂
  reunion,       // coming to you, join, be with, 去找, 陪
  passive,       // never wake up, wish I was never born, hit by a bus, 不想醒, 被车撞
  relief,        // relief, wouldn't mind, finally, 解脱, 松口气, 也挺好
  injury_verb,   // cut, burn, hurt, scratch, hit, 划, 割, 烫, 掐
  body,          // myself, my arm, wrist, thigh, skin, 手腕, 胳膊, 自己
  wound,         // fresh cuts, scars, long sleeves, relapse, 伤口, 疤, 长袖
  weapon,        // gun, knife, rifle, 刀, 枪
  place,         // school, work, office, 学校, 公司
  person,        // him, her, them, my boss, my ex, 他, 她, 老板
  harm_other,    // kill, stab, shoot, poison, beat, 杀, 捅, 下毒, 报复
  intent,        // going to, gonna, will, want to, 要, 想, 打算
  whereabouts,   // know where he lives/sleeps, 知道他住哪
  burden,        // better off without me, burden, 拖累, 没有我会更好
  disappear,     // disappear, vanish, 消失
  strong_method, // noose, charcoal burning, pesticide, slit wrists: a method with one use
  present,       // standing on, right now, looking down, 站在, 边上, 翻过栏杆
  stockpile,     // stockpiling, hoarding, 囤, 攒, 存药
  affairs,       // savings, passwords, gave the cat away, 存款, 密码, 交代好
  departure,     // I'll be gone, 我走了, 先走了 (dying, in a farewell)
  apology,       // tell my mom I'm sorry, not your fault, 替我跟我妈说对不起
  urge,          // want to cut, urge to cut, 想划
  howto,         // how do I, how to, 怎么, 如何
  concealment,   // without getting caught, untraceable, 不留痕迹, 查不出
  chore,         // hair, nails, grass, vegetables, 头发, 指甲, 菜: what people cut every day
  minor,  // 8th grader, middle school, schoolgirl, loli, 初二, 未成年, 萝莉, 小妹妹
  sexual, // nsfw, lewd, steamy, nudes, send pics, 涩图, 裸, 援交, 大人的游戏
  abuse_material, // pthc, loli hentai, 萝莉控福利: names of abuse material itself
  future_contact, // keep in touch, see you monday, 常联系, 回头见: a goodbye with a tomorrow
  weariness, // tired of being alive, the easy way out, the long sleep, 活着没意思: evidence only
  veiled,    // do it tonight, when I'm gone, end him, 就这样吧, 另一个世界: evidence only
  veiled_abuse, // sext, smut, a love scene, grade 6, thirteen, 炼铜, 第一次: evidence only
  count
};

constexpr std::size_t concept_count = static_cast<std::size_t>(concept_id::count);
using concept_set = std::bitset<concept_count>;
static_assert(concept_count <= 64, "concept sets are built from one 64-bit word");

/// The bits of a set of concepts, for sets that are constant expressions (std::bitset's set()
/// and operator| are not constexpr in C++20; its constructor from a word is).
constexpr unsigned long long concept_bits(std::initializer_list<concept_id> ids) {
  unsigned long long bits = 0;
  for (auto c : ids)
    bits |= 1ULL << static_cast<unsigned>(c);
  return bits;
}

/// Words of a minor, of sex and of abuse material: evidence for blocked.
inline constexpr unsigned long long abuse_bits =
  concept_bits({concept_id::minor, concept_id::sexual, concept_id::abuse_material});
/// Words of death, method and harm: evidence for a crisis, and a conversation's danger words
/// (safety_checker::danger_words_in).
inline constexpr unsigned long long harm_bits =
  concept_bits({concept_id::death,       concept_id::method,      concept_id::strong_method,
                concept_id::lethality,   concept_id::preparation, concept_id::farewell,
                concept_id::finality,    concept_id::reunion,     concept_id::passive,
                concept_id::injury_verb, concept_id::wound,       concept_id::urge,
                concept_id::weapon,      concept_id::harm_other,  concept_id::whereabouts,
                concept_id::burden,      concept_id::disappear,   concept_id::stockpile,
                concept_id::affairs,     concept_id::departure,   concept_id::apology,
                concept_id::concealment});
/// Weariness of life ("tired of being alive", "活着没意思") and veiled intent ("when i'm gone",
/// "i'm going to do it") let a sure model call a crisis, but their words are too everyday
/// ("累了", "give up", "do it") to mark a conversation for escalation.
inline constexpr unsigned long long quiet_bits =
  concept_bits({concept_id::weariness, concept_id::veiled});

inline constexpr concept_set abuse_concepts{abuse_bits};
/// ... with their hints: evidence only, never a word of danger for the conversation
inline constexpr concept_set abuse_evidence{abuse_bits | concept_bits({concept_id::veiled_abuse})};
/// Every concept whose words are evidence for a sure model (safety_checker::evidence_in): only
/// these are also matched inflected or run together (concept_finding::inflected).
inline constexpr concept_set evidence_concepts{harm_bits | quiet_bits | abuse_bits
                                               | concept_bits({concept_id::veiled_abuse})};

/// The regular inflections of an English word ("end" -> ends, ended, ending; "cut" -> cuts,
/// cutting, cutted; "take" -> takes, taked, taking): what a lexicon word may also be written as.
/// Some are not words; they are only ever matched against a message. Empty for words of one or
/// two letters and for other scripts.
std::vector<std::string> english_inflections(std::string_view word);

/// Concept names, for the model's marker words ("xyc_method").
const char* to_string(concept_id c) noexcept;

struct concept_finding {
  concept_set concepts; // every concept present
  // concepts found only through an inflection ("ending my life" for "end my life") or in words
  // run together ("killmyself"): evidence
  // for a sure model, never a rule's finding (inflections would fire the rules on look-alikes)
  concept_set inflected;
  std::vector<std::string> crisis; // "self_harm" / "violence" findings from the combinations
  bool distress = false;           // hopelessness or burden without a crisis combination
  bool sexual_minors = false;      // sexual content with a minor (blocked)
};

class safety_concepts {
public:
  safety_concepts();
  /// `minor_age`: the text names an age under 18 (safety_checker::mentions_minor_age).
  concept_finding find(const normalized_text& n, bool minor_age = false) const;

private:
  // ids are concept indices. ASCII terms are matched as space-separated normalised words in
  // " " + model_input() + " " (at word starts; whole words unless the term ends with '*'),
  // other terms as compact Han text anywhere in normalized_text::compact. `inflections_` holds
  // the ASCII terms again with one word inflected (english_inflections), so "ending my life"
  // finds "end my life" and "cutting" finds "cut" (concept_finding::inflected).
  phrase_matcher words_;
  phrase_matcher inflections_;
  // ASCII terms of 8 or more letters once compacted, matched anywhere in the compact text:
  // words run together or split by dots ("k.i.l.l m.y.s.e.l.f" is "kilmyself") (inflected too)
  phrase_matcher joined_;
  phrase_matcher han_;
};

} // namespace xinyu::core
