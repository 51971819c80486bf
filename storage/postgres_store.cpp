// Durable conversation storage over PostgreSQL (cluster mode): the same contract as the RocksDB
// store, one transaction per call, writes fenced by the owner's epoch. Must never be used from two
// threads at once, and never write a record whose epoch is older than the user's.
// Over 400 lines because the whole schema (users, messages, memories, counts) is kept in one place.
#include "storage/pg_connection.hpp"
#include "storage/store_backends.hpp"

#include "core/memory/embedding.hpp"
#include "core/policy/care_report.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <map>

namespace xinyu::storage {

namespace {

// Every text a person wrote is bytea: PostgreSQL's text type cannot hold a NUL byte, and a
// message must never be refused for its bytes. The schema is created under an advisory lock so
// that nodes starting together do not race on it.
constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS xinyu_users (
  user_id bytea PRIMARY KEY,
  last_turn bigint NOT NULL DEFAULT 0,
  epoch bigint NOT NULL DEFAULT 0,
  care_disclosure bigint, care_started bigint, care_turn_end bigint, care_break bigint,
  contact bytea,
  summary_version bigint NOT NULL DEFAULT 0,
  summary_through bigint NOT NULL DEFAULT 0,
  summary_text bytea);
CREATE TABLE IF NOT EXISTS xinyu_messages (
  user_id bytea NOT NULL,
  turn bigint NOT NULL,
  role text NOT NULL,
  body bytea NOT NULL,
  chat_id bytea NOT NULL,
  ts bigint NOT NULL,
  finish text NOT NULL DEFAULT '',
  epoch bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, turn));
CREATE TABLE IF NOT EXISTS xinyu_memories (
  user_id bytea NOT NULL,
  turn bigint NOT NULL,
  idx bigint NOT NULL,
  body bytea NOT NULL,
  ts bigint NOT NULL,
  edited bigint,
  model bytea,
  vec bytea,
  PRIMARY KEY (user_id, turn, idx));
CREATE TABLE IF NOT EXISTS xinyu_report_counts (
  day text COLLATE "C" NOT NULL,
  event text COLLATE "C" NOT NULL,
  n bigint NOT NULL,
  PRIMARY KEY (day, event));
)sql";

constexpr std::int64_t schema_lock_key = 0x78696e7975; // "xinyu"

std::int64_t as_i64(std::uint64_t v) {
  return static_cast<std::int64_t>(std::min<std::uint64_t>(v, INT64_MAX));
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

class postgres_store final : public conversation_store {
public:
  postgres_store(std::unique_ptr<pg::connection> c, bool sync) : db_(std::move(c)), sync_(sync) {}

  using conversation_store::write;
  store_status write(const std::vector<turn_record>& records,
                     std::vector<std::size_t>& fenced) override {
    fenced.clear();
    if (records.empty())
      return {};
    std::map<std::string, std::vector<std::size_t>> by_user; // records of each user, in order
    for (std::size_t i = 0; i < records.size(); ++i)
      by_user[records[i].user].push_back(i);
    std::string error;
    std::vector<std::size_t> refused;
    bool ok = begin_write(error) && db_->transaction(error, [&] {
      refused.clear();
      if (!sync_ && !db_->command("SET LOCAL synchronous_commit TO off", error))
        return false;
      std::map<std::pair<std::string, std::string>, std::int64_t> counts; // (day, event) -> add
      for (const auto& [user, idx] : by_user) {
        auto stored =
          db_->exec("SELECT epoch FROM xinyu_users WHERE user_id = $1::bytea FOR UPDATE",
                    pg::param_list{}.bytes(user), error);
        if (!stored)
          return false;
        std::int64_t epoch = stored->rows() ? stored->i64(0, 0) : 0;
        std::uint64_t last_turn = 0;
        std::uint64_t newest_epoch = 0;
        const core::care_times* care = nullptr;
        bool any = false;
        for (auto i : idx) {
          const auto& r = records[i];
          if (as_i64(r.epoch) < epoch) {
            refused.push_back(i);
            continue;
          }
          any = true;
          last_turn = std::max(last_turn, r.reply_turn);
          newest_epoch = std::max(newest_epoch, r.epoch);
          if (!r.care.empty())
            care = &r.care; // records come in turn order: the last one is the newest
          if (!put_messages(r, error))
            return false;
          for (const auto& e : r.report_events)
            ++counts[{core::utc_day(r.ts), e}];
        }
        if (any && !put_user(user, last_turn, newest_epoch, care, error))
          return false;
      }
      for (const auto& [key, add] : counts)
        if (!db_->exec("INSERT INTO xinyu_report_counts (day, event, n) VALUES ($1::text, "
                       "$2::text, $3::bigint) ON CONFLICT (day, event) DO UPDATE SET n = "
                       "xinyu_report_counts.n + EXCLUDED.n",
                       pg::param_list{}.text(key.first).text(key.second).i64(add), error))
          return false;
      return true;
    });
    if (!ok)
      return store_status::failure("write failed: " + error);
    std::sort(refused.begin(), refused.end());
    fenced = std::move(refused);
    return {};
  }

  store_status claim(const std::string& user, std::uint64_t epoch, bool& granted,
                     std::uint64_t& seen) override {
    granted = false;
    seen = 0;
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    auto r = db_->exec("INSERT INTO xinyu_users (user_id, epoch) VALUES ($1::bytea, $2::bigint) "
                       "ON CONFLICT (user_id) DO UPDATE SET epoch = EXCLUDED.epoch "
                       "WHERE xinyu_users.epoch <= EXCLUDED.epoch RETURNING epoch",
                       pg::param_list{}.bytes(user).i64(as_i64(epoch)), error);
    if (!r)
      return store_status::failure("claim failed: " + error);
    granted = r->rows() == 1;
    if (granted) {
      seen = epoch;
      return {};
    }
    auto now = db_->exec("SELECT epoch FROM xinyu_users WHERE user_id = $1::bytea",
                         pg::param_list{}.bytes(user), error);
    if (!now)
      return store_status::failure("claim failed: " + error);
    seen = now->rows() ? static_cast<std::uint64_t>(now->i64(0, 0)) : 0;
    return {};
  }

  store_status load(const std::string& user, std::size_t recent, std::size_t mem_count,
                    user_snapshot& out) override {
    out.last_turn = 0;
    out.care = {};
    out.contact.clear();
    out.summary = {};
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    auto r = db_->exec("SELECT last_turn, care_disclosure, care_started, care_turn_end, "
                       "care_break, contact, summary_version, summary_through, summary_text "
                       "FROM xinyu_users WHERE user_id = $1::bytea",
                       pg::param_list{}.bytes(user), error);
    if (!r)
      return store_status::failure("read failed: " + error);
    if (r->rows() == 1) {
      out.last_turn = static_cast<std::uint64_t>(r->i64(0, 0));
      if (!r->is_null(0, 1))
        out.care = {r->i64(0, 1), r->i64(0, 2), r->i64(0, 3), r->i64(0, 4)};
      out.contact = r->bytes(0, 5);
      out.summary.version = static_cast<std::uint64_t>(r->i64(0, 6));
      out.summary.through_turn = static_cast<std::uint64_t>(r->i64(0, 7));
      out.summary.text = r->bytes(0, 8);
    }
    bool more = false;
    if (auto st = history(user, std::nullopt, recent, out.recent, more); !st)
      return st;
    return read_memories(user, mem_count, true, out.memories);
  }

  store_status put_embeddings(const std::string& user, std::uint64_t turn,
                              const std::vector<core::memory_fact>& facts) override {
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    bool ok = db_->transaction(error, [&] {
      // vectors can be recomputed from the (durable) facts: no flush to disk for them
      if (!db_->command("SET LOCAL synchronous_commit TO off", error))
        return false;
      for (const auto& f : facts) {
        if (f.embedding.empty() || f.index > 255)
          continue;
        // only beside the fact as it reads now: not for a deleted or since edited fact
        if (!db_->exec("UPDATE xinyu_memories SET model = $4::bytea, vec = $5::bytea "
                       "WHERE user_id = $1::bytea AND turn = $2::bigint AND idx = $3::bigint "
                       "AND body = $6::bytea",
                       pg::param_list{}
                         .bytes(user)
                         .i64(as_i64(turn))
                         .i64(f.index)
                         .bytes(f.model)
                         .bytes(core::hashed_embedder::pack(f.embedding))
                         .bytes(f.text),
                       error))
          return false;
      }
      return true;
    });
    if (!ok)
      return store_status::failure("write failed: " + error);
    return {};
  }

  store_status history(const std::string& user, std::optional<std::uint64_t> before,
                       std::size_t limit, std::vector<stored_message>& out, bool& more) override {
    out.clear();
    more = false;
    std::uint64_t bound = before ? *before : UINT64_MAX;
    if (bound == 0 || limit == 0) {
      if (bound != 0 && limit == 0)
        return probe_older(user, bound, more);
      return {};
    }
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    auto r =
      db_->exec("SELECT turn, role, body, chat_id, ts, finish FROM xinyu_messages "
                "WHERE user_id = $1::bytea AND turn < $2::bigint "
                "ORDER BY turn DESC LIMIT $3::bigint",
                pg::param_list{}.bytes(user).i64(as_i64(bound)).i64(as_i64(limit + 1)), error);
    if (!r)
      return store_status::failure("read failed: " + error);
    int n = r->rows();
    if (static_cast<std::size_t>(n) > limit) {
      more = true;
      n = static_cast<int>(limit);
    }
    for (int i = n - 1; i >= 0; --i)
      out.push_back(stored_message{static_cast<std::uint64_t>(r->i64(i, 0)), r->bytes(i, 1),
                                   r->bytes(i, 2), r->bytes(i, 3), r->i64(i, 4), r->bytes(i, 5)});
    return {};
  }

  store_status list_memories(const std::string& user, std::size_t limit,
                             std::vector<core::memory_fact>& out) override {
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    return read_memories(user, limit, false, out);
  }

  store_status edit_memory(const std::string& user, const core::memory_ref& ref,
                           const std::string& text, std::optional<std::string>& old) override {
    return change_memory(user, ref, &text, old);
  }

  store_status delete_memory(const std::string& user, const core::memory_ref& ref,
                             std::optional<std::string>& old) override {
    return change_memory(user, ref, nullptr, old);
  }

  store_status put_summary(const std::string& user,
                           const core::conversation_summary& summary) override {
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    // a newer version only: one arriving late is ignored
    if (!db_->exec(
          "INSERT INTO xinyu_users (user_id, summary_version, summary_through, "
          "summary_text) VALUES ($1::bytea, $2::bigint, $3::bigint, $4::bytea) "
          "ON CONFLICT (user_id) DO UPDATE SET summary_version = EXCLUDED.summary_version, "
          "summary_through = EXCLUDED.summary_through, summary_text = "
          "EXCLUDED.summary_text WHERE xinyu_users.summary_version < "
          "EXCLUDED.summary_version",
          pg::param_list{}
            .bytes(user)
            .i64(as_i64(summary.version))
            .i64(as_i64(summary.through_turn))
            .bytes(summary.text),
          error))
      return store_status::failure("write failed: " + error);
    return {};
  }

  store_status put_contact(const std::string& user, const std::string& sealed) override {
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    pg::param_list p;
    p.bytes(user);
    if (sealed.empty())
      p.null();
    else
      p.bytes(sealed);
    // always committed to disk: what a person asked us to keep (or drop) is durable first
    if (!db_->exec("INSERT INTO xinyu_users (user_id, contact) VALUES ($1::bytea, $2::bytea) "
                   "ON CONFLICT (user_id) DO UPDATE SET contact = EXCLUDED.contact",
                   p, error))
      return store_status::failure("write failed: " + error);
    return {};
  }

  store_status forget(const std::string& user, std::uint64_t& deleted) override {
    deleted = 0;
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    std::uint64_t n = 0;
    bool ok = db_->transaction(error, [&] {
      auto m = db_->exec("DELETE FROM xinyu_messages WHERE user_id = $1::bytea",
                         pg::param_list{}.bytes(user), error);
      if (!m)
        return false;
      n = m->affected();
      // the emergency contact and the summary (the person's words) go with the conversations;
      // the turn counter and the epoch stay
      return db_->exec("DELETE FROM xinyu_memories WHERE user_id = $1::bytea",
                       pg::param_list{}.bytes(user), error)
             && db_->exec("UPDATE xinyu_users SET contact = NULL, summary_version = 0, "
                          "summary_through = 0, summary_text = NULL WHERE user_id = $1::bytea",
                          pg::param_list{}.bytes(user), error);
    });
    if (!ok)
      return store_status::failure("delete failed: " + error);
    deleted = n;
    return {};
  }

  store_status report(const std::string& from, const std::string& to,
                      std::vector<report_count>& out) override {
    out.clear();
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    auto r = db_->exec("SELECT day, event, n FROM xinyu_report_counts WHERE day >= $1::text AND "
                       "day <= $2::text ORDER BY day, event",
                       pg::param_list{}.text(from).text(to), error);
    if (!r)
      return store_status::failure("read failed: " + error);
    for (int i = 0; i < r->rows(); ++i)
      out.push_back({r->bytes(i, 0), r->bytes(i, 1), static_cast<std::uint64_t>(r->i64(i, 2))});
    return {};
  }

private:
  bool begin_write(std::string& error) { return db_->ensure_connected(error); }

  /// A record's two messages and its facts; a row already there (a retried batch whose commit
  /// did go through) is kept as it is.
  bool put_messages(const turn_record& r, std::string& error) {
    constexpr const char* sql =
      "INSERT INTO xinyu_messages (user_id, turn, role, body, chat_id, ts, finish, epoch) "
      "VALUES ($1::bytea, $2::bigint, $3::text, $4::bytea, $5::bytea, $6::bigint, $7::text, "
      "$8::bigint) ON CONFLICT (user_id, turn) DO NOTHING";
    if (!db_->exec(sql,
                   pg::param_list{}
                     .bytes(r.user)
                     .i64(as_i64(r.user_turn))
                     .text("user")
                     .bytes(r.user_text)
                     .bytes(r.id)
                     .i64(r.ts)
                     .text("")
                     .i64(as_i64(r.epoch)),
                   error)
        || !db_->exec(sql,
                      pg::param_list{}
                        .bytes(r.user)
                        .i64(as_i64(r.reply_turn))
                        .text("assistant")
                        .bytes(r.reply_text)
                        .bytes(r.id)
                        .i64(r.reply_ts)
                        .text(r.finish)
                        .i64(as_i64(r.epoch)),
                      error))
      return false;
    for (std::size_t i = 0; i < r.facts.size() && i < 256; ++i)
      if (!db_->exec("INSERT INTO xinyu_memories (user_id, turn, idx, body, ts) VALUES "
                     "($1::bytea, $2::bigint, $3::bigint, $4::bytea, $5::bigint) "
                     "ON CONFLICT (user_id, turn, idx) DO NOTHING",
                     pg::param_list{}
                       .bytes(r.user)
                       .i64(as_i64(r.user_turn))
                       .i64(static_cast<std::int64_t>(i))
                       .bytes(r.facts[i])
                       .i64(r.ts),
                     error))
        return false;
    return true;
  }

  /// The user's row after a batch: the turn counter only grows, the epoch is the newest seen.
  bool put_user(const std::string& user, std::uint64_t last_turn, std::uint64_t epoch,
                const core::care_times* care, std::string& error) {
    pg::param_list p;
    p.bytes(user).i64(as_i64(last_turn)).i64(as_i64(epoch));
    if (care)
      p.i64(care->last_disclosure)
        .i64(care->use_started)
        .i64(care->last_turn_end)
        .i64(care->last_break_reminder);
    else
      p.null().null().null().null();
    return db_
      ->exec("INSERT INTO xinyu_users (user_id, last_turn, epoch, care_disclosure, care_started, "
             "care_turn_end, care_break) VALUES ($1::bytea, $2::bigint, $3::bigint, $4::bigint, "
             "$5::bigint, $6::bigint, $7::bigint) ON CONFLICT (user_id) DO UPDATE SET "
             "last_turn = GREATEST(xinyu_users.last_turn, EXCLUDED.last_turn), "
             "epoch = GREATEST(xinyu_users.epoch, EXCLUDED.epoch), "
             "care_disclosure = COALESCE(EXCLUDED.care_disclosure, xinyu_users.care_disclosure), "
             "care_started = COALESCE(EXCLUDED.care_started, xinyu_users.care_started), "
             "care_turn_end = COALESCE(EXCLUDED.care_turn_end, xinyu_users.care_turn_end), "
             "care_break = COALESCE(EXCLUDED.care_break, xinyu_users.care_break)",
             p, error)
      .has_value();
  }

  /// history() with limit 0: only whether messages older than `bound` exist.
  store_status probe_older(const std::string& user, std::uint64_t bound, bool& more) {
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    auto r = db_->exec("SELECT 1::bigint FROM xinyu_messages WHERE user_id = $1::bytea AND "
                       "turn < $2::bigint LIMIT 1",
                       pg::param_list{}.bytes(user).i64(as_i64(bound)), error);
    if (!r)
      return store_status::failure("read failed: " + error);
    more = r->rows() > 0;
    return {};
  }

  /// The newest `limit` memories of `user`, oldest first; with their vectors when asked.
  store_status read_memories(const std::string& user, std::size_t limit, bool with_embeddings,
                             std::vector<core::memory_fact>& out) {
    out.clear();
    if (limit == 0)
      return {};
    std::string error;
    auto r = db_->exec(with_embeddings
                         ? "SELECT turn, idx, body, ts, model, vec FROM xinyu_memories WHERE "
                           "user_id = $1::bytea AND body <> ''::bytea "
                           "ORDER BY turn DESC, idx DESC LIMIT $2::bigint"
                         : "SELECT turn, idx, body, ts FROM xinyu_memories WHERE "
                           "user_id = $1::bytea AND body <> ''::bytea "
                           "ORDER BY turn DESC, idx DESC LIMIT $2::bigint",
                       pg::param_list{}.bytes(user).i64(as_i64(limit)), error);
    if (!r)
      return store_status::failure("read failed: " + error);
    for (int i = r->rows() - 1; i >= 0; --i) {
      core::memory_fact f;
      f.turn = static_cast<std::uint64_t>(r->i64(i, 0));
      f.index = static_cast<std::uint32_t>(r->i64(i, 1));
      f.text = r->bytes(i, 2);
      f.ts = r->i64(i, 3);
      if (with_embeddings && !r->is_null(i, 5)) {
        if (auto vec = core::hashed_embedder::unpack(r->bytes(i, 5))) {
          f.embedding = std::move(*vec);
          f.model = r->bytes(i, 4);
        }
      }
      out.push_back(std::move(f));
    }
    return {};
  }

  /// Rewrites (`text`) or erases (null) one fact, dropping its vector; always durable.
  store_status change_memory(const std::string& user, const core::memory_ref& ref,
                             const std::string* text, std::optional<std::string>& old) {
    old.reset();
    std::string error;
    if (!db_->ensure_connected(error))
      return store_status::failure(error);
    std::optional<std::string> was;
    bool ok = db_->transaction(error, [&] {
      auto key = pg::param_list{}.bytes(user).i64(as_i64(ref.turn)).i64(ref.index);
      auto r = db_->exec("SELECT body FROM xinyu_memories WHERE user_id = $1::bytea AND "
                         "turn = $2::bigint AND idx = $3::bigint FOR UPDATE",
                         key, error);
      if (!r)
        return false;
      if (r->rows() == 0)
        return true; // no such fact: nothing written
      was = r->bytes(0, 0);
      if (!text)
        return db_
          ->exec("DELETE FROM xinyu_memories WHERE user_id = $1::bytea AND turn = $2::bigint "
                 "AND idx = $3::bigint",
                 key, error)
          .has_value();
      return db_
        ->exec("UPDATE xinyu_memories SET body = $4::bytea, edited = $5::bigint, model = NULL, "
               "vec = NULL WHERE user_id = $1::bytea AND turn = $2::bigint AND idx = $3::bigint",
               key.bytes(*text).i64(now_ms()), error)
        .has_value();
    });
    if (!ok)
      return store_status::failure("write failed: " + error);
    old = std::move(was);
    return {};
  }

  std::unique_ptr<pg::connection> db_;
  bool sync_;
};

} // namespace

std::unique_ptr<conversation_store> open_postgres_store(const conversation_store::options& opt,
                                                        std::string& error) {
  if (opt.postgres.empty()) {
    error = "storage.backend is \"postgres\" but storage.postgres (a libpq connection string) is "
            "empty";
    return nullptr;
  }
  auto db = pg::connection::open(opt.postgres, error);
  if (!db)
    return nullptr;
  bool ok = db->transaction(error, [&] {
    return db->exec("SELECT pg_advisory_xact_lock($1::bigint)",
                    pg::param_list{}.i64(schema_lock_key), error)
           && db->command(schema_sql, error);
  });
  if (!ok) {
    error = "cannot create the xinyu tables: " + error;
    return nullptr;
  }
  return std::make_unique<postgres_store>(std::move(db), opt.sync);
}

} // namespace xinyu::storage
