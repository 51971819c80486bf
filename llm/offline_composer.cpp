// The offline provider's words: composes a context-aware supportive reply from the turn's
// context. Pure; must never do I/O, keep state between calls or know about pacing.
#include "llm/offline_composer.hpp"

#include "core/support/text.hpp"

#include <cstdint>

namespace xinyu::llm {

namespace {

std::uint64_t hash(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

template <std::size_t N>
const char* pick(const char* const (&arr)[N], std::uint64_t h) {
  return arr[h % N];
}

struct topic {
  std::initializer_list<const char*> keys;
  const char* zh;
  const char* en;
};

const topic topics[] = {
  {{"工作", "老板", "加班", "同事", "上班", "job", "work", "boss", "coworker", "office"},
   "工作上的压力常常会一点点累积，不只是事情多，还有那种被推着走的感觉。",
   "Work pressure tends to pile up quietly - not just the tasks, but the feeling of being pushed "
   "along."},
  {{"考试", "学习", "作业", "成绩", "论文", "exam", "test", "study", "grade", "thesis", "school"},
   "面对考试和学业，会紧张是因为你在乎结果，这本身说明你很认真。",
   "Feeling tense about exams and studies usually means you care about the outcome - that says "
   "something good about you."},
  {{"分手", "前任", "男朋友", "女朋友", "恋爱", "感情", "broke up", "breakup", "boyfriend",
    "girlfriend", "relationship", "partner", "ex"},
   "感情里的失去会很痛，那些一起的日子不是说放下就能放下的。",
   "Losing someone you were close to hurts, and the shared days don't just let go of you on "
   "command."},
  {{"父母", "爸爸", "妈妈", "家人", "家里", "parents", "mom", "dad", "family", "mother", "father"},
   "和家人之间的事往往最牵动人心，因为在乎，所以也更容易受伤。",
   "Things with family often hit hardest, because the people we care about most can also hurt us "
   "most."},
  {{"朋友", "室友", "同学", "friend", "friends", "roommate", "classmate"},
   "朋友之间的距离变化，会让人怀疑自己，其实很多时候不是你的错。",
   "When things shift with friends it's easy to doubt yourself, though often it isn't your fault."},
  {{"睡不着", "失眠", "睡觉", "sleep", "insomnia", "tired", "exhausted"},
   "睡不好的时候，什么情绪都会被放大，身体也在提醒你需要休息。",
   "When sleep goes wrong every feeling gets louder; your body is asking for rest too."},
  {{"身体", "生病", "医院", "病", "health", "sick", "hospital", "pain"},
   "身体不舒服的时候，心里也会跟着没底，这很正常。",
   "When your body isn't well, it's natural for your mind to feel unsteady as well."},
};

const char* const open_zh[][3] = {
  /*joy*/ {"听到这个我也替你开心！", "真好，能感觉到你现在的轻快。", "这份开心值得好好收藏。"},
  /*sadness*/
  {"听起来你现在真的很难过，谢谢你愿意说出来。", "我能感受到你心里的沉重，先抱抱你。",
   "这种难受一定压了你很久，你不用一个人扛着。"},
  /*anxiety*/
  {"感觉你现在心里很紧绷，有很多担心在转。", "焦虑的时候，脑子停不下来，真的很耗人。",
   "这些担心听起来压得你喘不过气。"},
  /*anger*/
  {"换作是我，也会很生气。", "你的愤怒是有理由的，这件事确实让人恼火。",
   "能感觉到你心里那股火，先让它有个地方说出来。"},
  /*fear*/
  {"害怕的感觉很真实，你现在是安全地在和我说话。", "听起来你很不安，我在这里陪着你。",
   "这种恐惧一定让你很不好受。"},
  /*loneliness*/
  {"一个人扛着的感觉真的很孤单，我在这里听你说。", "孤独的时候，连时间都变慢了。",
   "谢谢你愿意来找我聊，你并不是一个人。"},
  /*neutral*/ {"我在听，你愿意多说一点吗？", "谢谢你跟我分享这些。", "嗯，我明白你的意思。"},
};
const char* const open_en[][3] = {
  {"That's lovely to hear - I'm really glad for you!", "I can feel the lightness in that.",
   "That sounds like a moment worth holding on to."},
  {"It sounds like you're really hurting right now, and I'm glad you told me.",
   "That sounds heavy. I'm here with you.",
   "It sounds like this has been weighing on you for a while - you don't have to carry it alone."},
  {"It sounds like your mind is racing with worries right now.",
   "Anxiety like that is exhausting - it's hard when your thoughts won't slow down.",
   "Those worries sound like they're pressing on you."},
  {"I'd be upset too in your place.", "Your anger makes sense - that sounds genuinely frustrating.",
   "I can hear how angry this made you, and it's okay to let it out here."},
  {"That fear sounds very real. Right now you're here, talking with me.",
   "It sounds like you feel really unsafe or uneasy - I'm here with you.",
   "Being that scared is hard to sit with."},
  {"Feeling alone with all of this sounds really hard. I'm here and listening.",
   "Loneliness can make everything feel slower and heavier.",
   "I'm glad you reached out - you're not alone in this conversation."},
  {"I'm listening - would you like to tell me more?", "Thank you for sharing that with me.",
   "I hear you."},
};
const char* const ask_zh[] = {
  /*joy*/ "是什么让你今天这么开心？",
  /*sadness*/ "现在最让你难受的是哪一部分？",
  /*anxiety*/ "要不要先一起深呼吸几次，再说说最担心的是什么？",
  /*anger*/ "发生了什么让你这么生气？",
  /*fear*/ "此刻你身边有让你觉得安全的人或地方吗？",
  /*loneliness*/ "最近有没有哪个时刻，你特别希望有人陪？",
  /*neutral*/ "你现在感觉怎么样？"};
const char* const ask_en[] = {
  "What made today so good?",
  "What part of it hurts the most right now?",
  "Would it help to take a few slow breaths together, then tell me what worries you most?",
  "What happened that made you so angry?",
  "Is there a person or place near you that feels safe?",
  "Has there been a moment lately when you really wished someone were with you?",
  "How are you feeling right now?"};

int label_index(const std::string& label) {
  static const char* labels[] = {"joy", "sadness", "anxiety", "anger", "fear", "loneliness"};
  for (int i = 0; i < 6; ++i)
    if (label == labels[i])
      return i;
  return 6;
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c + 32);
  return out;
}

std::string trim_memory(const std::string& m, bool chinese) {
  auto cps = core::decode_utf8(m);
  std::size_t max = chinese ? 24 : 60;
  if (cps.size() <= max)
    return m;
  cps.resize(max);
  return core::encode_utf8(cps) + "...";
}

} // namespace

std::string offline_composer::compose(const llm_request& req) const {
  auto h = hash(req.user_text);
  int li = label_index(req.emotion.label);
  // weak evidence reads as neutral
  if (li != 6 && req.emotion.score < 0.15)
    li = 6;
  const bool zh = req.chinese;
  std::string out;
  if (req.safety == core::safety_level::crisis) {
    out +=
      zh
        ? "听到你这样说，我很担心你，也很在乎你现在的安全。你愿意告诉我，这些让你痛苦到想放弃的事情"
          "，"
          "是什么时候开始的吗？你不需要一个人面对，请考虑现在就联系上面的援助热线，或者身边信任的人"
          "。"
        : "I'm really concerned about you, and your safety matters to me right now. Would you tell "
          "me when things started to feel this unbearable? You don't have to face this alone - "
          "please consider reaching out to one of the lines above, or someone you trust, right "
          "now.";
    return out;
  }
  out += zh ? open_zh[li][h % 3] : open_en[li][h % 3];
  out += zh ? "" : " ";
  auto low = lower(req.user_text);
  for (const auto& t : topics) {
    bool hit = false;
    for (const char* k : t.keys) {
      std::string key{k};
      if (core::is_mostly_chinese(key) ? req.user_text.find(key) != std::string::npos
                                       : (" " + low + " ").find(" " + key) != std::string::npos) {
        hit = true;
        break;
      }
    }
    if (hit) {
      out += zh ? t.zh : t.en;
      out += zh ? "" : " ";
      break;
    }
  }
  if (!req.memories.empty()) {
    auto m = trim_memory(req.memories.front(), zh);
    if (zh)
      out += "我记得你之前提到过「" + m + "」，这和你现在的感受有关系吗？";
    else
      out +=
        "I remember you mentioned \"" + m + "\" before - is that connected to how you feel now? ";
  }
  if (req.safety == core::safety_level::caution && zh)
    out += "我会一直以朋友的身份陪你聊，也请注意不要在这里留下手机号、身份证号这类个人信息。";
  else if (req.safety == core::safety_level::caution)
    out +=
      "I'll keep being here as your companion - and please avoid sharing personal details like "
      "phone or ID numbers here. ";
  out += zh ? ask_zh[li] : ask_en[li];
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

} // namespace xinyu::llm
