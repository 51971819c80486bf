// Value types produced by the pre-processing stages (emotion, safety, memory) of one turn.
// Plain data only: no behaviour that needs an actor, socket or storage handle.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xinyu::core {

struct emotion_result {
  std::string label = "neutral"; // joy sadness anxiety anger fear loneliness neutral
  double score = 0.0;            // confidence 0..1
  double valence = 0.0;          // -1..1
};

enum class safety_level { ok, caution, crisis, blocked };

const char* to_string(safety_level l) noexcept;

struct safety_result {
  safety_level level = safety_level::ok;
  std::vector<std::string> categories;
  std::string redacted_text; // the text to show the LLM (personal data masked)
  // internal, never on the wire: the rules found an explicit crisis phrase ("suicidal", "kill
  // myself", "不想活了"), which no model may talk down to a check-in
  bool explicit_crisis = false;
  // internal, never on the wire: a crisis with intent, a plan, a method or preparation (the
  // escalation webhook then carries an opted-in emergency contact)
  bool intent_or_plan = false;
  // internal, never on the wire: the text holds a word of danger (death, farewell, burden,
  // disappearing, a wish to be dead, a method, a wound, ...), not only the model's suspicion;
  // conversation-level risk escalates only a conversation that has had such words
  bool danger_words = false;
  // internal, never on the wire: the message tells of a crisis overcome ("two years self-harm
  // free", "以前想过不活了，现在都过去了") with nothing of now in it; its verdict is at most a
  // check-in, whatever the model says
  bool overcome = false;
  // internal, never on the wire: words of a minor and of sex ask how to teach sex education
  // ("how do I talk to my 10 year old about sex"), not for sexual content; a finding of the
  // rules is then a careful answer, not a refusal, and the model sees the frame
  bool sex_education = false;
};

/// True when the person may be in danger: a crisis, or a refusal whose categories also hold
/// self-harm or violence ("he comes into my room at night, I'm 13, I want to die"). The crisis
/// resources and the operators' alert go out for these, whatever else the reply is.
bool at_risk(const safety_result& r) noexcept;

/// A remembered fact with its embedding (empty when it could not be made) and the model id
/// of the embedding's vector space, and where it came from: fact `index` of the user message
/// of `turn` (0: unknown), told at `ts` (ms since epoch; 0: unknown). The user sees and
/// addresses it as "<turn>.<index>" (memory_id).
struct memory_fact {
  std::string text;
  std::vector<float> embedding;
  std::string model;
  std::uint64_t turn = 0;
  std::uint32_t index = 0;
  std::int64_t ts = 0;
};

} // namespace xinyu::core
