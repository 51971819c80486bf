// Tests for core/policy/care_report: the countable events of a turn (bounded labels, no text)
// and the report's query parsing and rendering.
#include "core/policy/care_report.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace xinyu::core;

TEST_CASE("a turn's care events: one per category, unknown categories as other, referral",
          "[care_report]") {
  safety_result crisis{safety_level::crisis, {"self_harm", "conversation_risk", "self_harm"}, ""};
  auto e = care_events(crisis, false, true);
  REQUIRE(e.size() == 3);
  CHECK(e[0].key() == "detection/en/crisis/self_harm");
  CHECK(e[1].key() == "detection/en/crisis/conversation_risk");
  CHECK(e[2].key() == "referral/en");
  safety_result odd{safety_level::caution, {"S14\"injected label"}, ""};
  CHECK(care_events(odd, true, false)[0].key() == "detection/zh/caution/other");
  CHECK(care_events(safety_result{safety_level::caution, {}, ""}, true, false)[0].key()
        == "detection/zh/caution/unspecified");
  CHECK(care_events(safety_result{}, false, false).empty());
}

TEST_CASE("report queries: defaults, validation, bounds", "[care_report]") {
  std::string error;
  auto q = parse_care_report_query("", "2026-12-04", error);
  REQUIRE(q);
  CHECK(q->to == "2026-12-04");
  CHECK(q->from == "2026-11-05"); // 30 days including today
  CHECK_FALSE(q->csv);
  q = parse_care_report_query("from=2026-01-01&to=2026-12-31&format=csv", "2026-12-04", error);
  REQUIRE(q);
  CHECK(q->csv);
  CHECK(q->from == "2026-01-01");
  for (const char* bad :
       {"from=2026-02-30", "to=2026-13-01", "from=yesterday", "format=xml",
        "from=2026-12-05&to=2026-12-04", "from=2024-01-01&to=2026-01-01", "user=alice"}) {
    error.clear();
    CHECK_FALSE(parse_care_report_query(bad, "2026-12-04", error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("the report renders as JSON by day and as CSV", "[care_report]") {
  care_report_query q{"2026-12-01", "2026-12-31", false};
  std::vector<care_count> counts{{"2026-12-04", "detection/en/crisis/self_harm", 2},
                                 {"2026-12-04", "referral/en", 3},
                                 {"2026-12-05", "detection/zh/blocked/sexual_minors", 1}};
  auto j = nlohmann::json::parse(render_care_report(q, counts));
  CHECK(j["from"] == "2026-12-01");
  REQUIRE(j["days"].size() == 2);
  CHECK(j["days"][0]["date"] == "2026-12-04");
  CHECK(j["days"][0]["detections"][0]
        == nlohmann::json{
          {"locale", "en"}, {"level", "crisis"}, {"category", "self_harm"}, {"count", 2}});
  CHECK(j["days"][0]["referrals"][0] == nlohmann::json{{"locale", "en"}, {"count", 3}});
  q.csv = true;
  CHECK(render_care_report(q, counts)
        == "date,event,locale,level,category,count\r\n"
           "2026-12-04,detection,en,crisis,self_harm,2\r\n"
           "2026-12-04,referral,en,,,3\r\n"
           "2026-12-05,detection,zh,blocked,sexual_minors,1\r\n");
  CHECK(utc_day(1'796'342'400'000) == "2026-12-04");
}
