// Durable conversation storage over RocksDB: one WriteBatch per call, rocksdb::Status turned
// into store_status at this boundary. Not thread-safe: one owner calls it.
// Over 400 lines because the whole key layout (turns, meta, memories, vectors) is one schema, kept
// in one place.
#include "storage/conversation_store.hpp"

#include "core/memory/embedding.hpp"
#include "core/policy/care_report.hpp"

#include "storage/key_codec.hpp"
#include "storage/store_backends.hpp"

#include <nlohmann/json.hpp>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <unistd.h>

namespace xinyu::storage {

namespace {

using nlohmann::json;

struct meta {
  std::uint64_t last_turn = 0;
  std::uint64_t memory_seq = 0;
  core::care_times care;
  std::string contact; // sealed
  core::conversation_summary summary;
};

json meta_json(const meta& m) {
  json j{{"last_turn", m.last_turn}, {"memory_seq", m.memory_seq}};
  if (!m.care.empty())
    j["care"] = {m.care.last_disclosure, m.care.use_started, m.care.last_turn_end,
                 m.care.last_break_reminder};
  if (!m.contact.empty())
    j["contact"] = m.contact;
  if (m.summary.version > 0)
    j["summary"] = {{"version", m.summary.version},
                    {"through", m.summary.through_turn},
                    {"text", m.summary.text}};
  return j;
}

std::string describe(const rocksdb::Status& s) { return s.ToString(); }

class rocksdb_store final : public conversation_store {
public:
  rocksdb_store(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles, bool sync)
    : db_(db), handles_(std::move(handles)) {
    write_opts_.sync = sync;
  }

  ~rocksdb_store() override {
    for (auto* h : handles_)
      db_->DestroyColumnFamilyHandle(h);
    db_->Close();
    delete db_;
  }

  using conversation_store::write;
  store_status write(const std::vector<turn_record>& records,
                     std::vector<std::size_t>& fenced) override {
    fenced.clear(); // one node owns every user: nothing is ever fenced
    rocksdb::WriteBatch batch;
    std::map<std::string, meta> metas;
    std::map<std::string, std::uint64_t> counts; // report key -> count to add
    for (const auto& r : records) {
      for (const auto& e : r.report_events)
        ++counts[keys::report_key(core::utc_day(r.ts), e)];
      auto it = metas.find(r.user);
      if (it == metas.end()) {
        meta m;
        if (auto st = read_meta(r.user, m); !st)
          return st;
        it = metas.emplace(r.user, m).first;
      }
      auto& m = it->second;
      json u{{"role", "user"}, {"text", r.user_text}, {"id", r.id}, {"ts", r.ts}};
      json a{{"role", "assistant"},
             {"text", r.reply_text},
             {"id", r.id},
             {"ts", r.reply_ts},
             {"finish", r.finish}};
      batch.Put(messages(), keys::message_key(r.user, r.user_turn), u.dump());
      batch.Put(messages(), keys::message_key(r.user, r.reply_turn), a.dump());
      m.last_turn = std::max(m.last_turn, r.reply_turn);
      if (!r.care.empty())
        m.care = r.care; // records come in turn order: the last one is the newest
      for (std::size_t i = 0; i < r.facts.size() && i < 256; ++i)
        batch.Put(memories(), keys::fact_key(r.user, r.user_turn, static_cast<unsigned>(i)),
                  json{{"text", r.facts[i]}, {"ts", r.ts}}.dump());
    }
    for (const auto& [user, m] : metas)
      batch.Put(meta_cf(), keys::meta_key(user), meta_json(m).dump());
    for (const auto& [key, add] : counts) {
      // one writer (the storage actor): read, add, write in this batch
      std::string v;
      auto got = db_->Get(rocksdb::ReadOptions{}, meta_cf(), key, &v);
      if (!got.ok() && !got.IsNotFound())
        return store_status::failure("read failed: " + describe(got));
      std::uint64_t n = got.ok() && v.size() == 8 ? keys::read_u64be(v) : 0;
      std::string out;
      keys::append_u64be(out, n + add);
      batch.Put(meta_cf(), key, out);
    }
    auto s = db_->Write(write_opts_, &batch);
    if (!s.ok())
      return store_status::failure("write failed: " + describe(s));
    return {};
  }

  store_status claim(const std::string&, std::uint64_t epoch, bool& granted,
                     std::uint64_t& seen) override {
    granted = true; // an embedded store has one writer: ownership is never contested
    seen = epoch;
    return {};
  }

  store_status load(const std::string& user, std::size_t recent, std::size_t mem_count,
                    user_snapshot& out) override {
    meta m;
    if (auto st = read_meta(user, m); !st)
      return st;
    out.last_turn = m.last_turn;
    out.care = m.care;
    out.contact = m.contact;
    out.summary = m.summary;
    bool more = false;
    if (auto st = history(user, std::nullopt, recent, out.recent, more); !st)
      return st;
    return read_memories(user, mem_count, true, out.memories);
  }

  store_status put_embeddings(const std::string& user, std::uint64_t turn,
                              const std::vector<core::memory_fact>& facts) override {
    rocksdb::WriteBatch batch;
    for (const auto& f : facts) {
      if (f.embedding.empty() || f.index > 255)
        continue;
      auto key = keys::fact_key(user, turn, f.index);
      std::string existing;
      auto got = db_->Get(rocksdb::ReadOptions{}, memories(), key, &existing);
      if (got.IsNotFound())
        continue; // forgotten or deleted (or never written): no vector without its fact
      if (!got.ok())
        return store_status::failure("read failed: " + describe(got));
      auto stored = json::parse(existing, nullptr, false);
      if (!stored.is_object() || stored.value("text", "") != f.text)
        continue; // edited since this vector was computed: it is not the fact's any more
      key.push_back(keys::embedding_suffix);
      batch.Put(memories(), key,
                json{{"model", f.model}, {"vec", core::hashed_embedder::pack(f.embedding)}}.dump());
    }
    if (batch.Count() == 0)
      return {};
    rocksdb::WriteOptions wo = write_opts_;
    wo.sync = false; // vectors can be recomputed from the (durable) facts: no fsync for them
    auto s = db_->Write(wo, &batch);
    if (!s.ok())
      return store_status::failure("write failed: " + describe(s));
    return {};
  }

  store_status history(const std::string& user, std::optional<std::uint64_t> before,
                       std::size_t limit, std::vector<stored_message>& out, bool& more) override {
    out.clear();
    more = false;
    auto prefix = keys::user_prefix(user);
    std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(rocksdb::ReadOptions{}, messages())};
    std::uint64_t bound = before ? *before : UINT64_MAX;
    if (bound == 0)
      return {};
    auto start = keys::message_key(user, bound - 1);
    for (it->SeekForPrev(start); it->Valid(); it->Prev()) {
      auto turn = keys::decode_index(it->key().ToStringView(), user);
      if (!turn)
        break;
      if (out.size() == limit) {
        more = true;
        break;
      }
      auto v = json::parse(it->value().ToStringView(), nullptr, false);
      if (!v.is_object())
        return store_status::failure("corrupt message record at turn " + std::to_string(*turn));
      out.push_back(stored_message{*turn, v.value("role", ""), v.value("text", ""),
                                   v.value("id", ""), v.value("ts", std::int64_t{0}),
                                   v.value("finish", "")});
    }
    if (!it->status().ok())
      return store_status::failure("read failed: " + describe(it->status()));
    std::reverse(out.begin(), out.end());
    return {};
  }

  store_status list_memories(const std::string& user, std::size_t limit,
                             std::vector<core::memory_fact>& out) override {
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
    meta m;
    if (auto st = read_meta(user, m); !st)
      return st;
    if (summary.version <= m.summary.version)
      return {}; // a newer one is stored already
    m.summary = summary;
    auto s = db_->Put(write_opts_, meta_cf(), keys::meta_key(user), meta_json(m).dump());
    if (!s.ok())
      return store_status::failure("write failed: " + describe(s));
    return {};
  }

  store_status put_contact(const std::string& user, const std::string& sealed) override {
    meta m;
    if (auto st = read_meta(user, m); !st)
      return st;
    m.contact = sealed;
    rocksdb::WriteOptions wo = write_opts_;
    wo.sync = true; // what a person asked us to keep (or drop) is durable before we say so
    auto s = db_->Put(wo, meta_cf(), keys::meta_key(user), meta_json(m).dump());
    if (!s.ok())
      return store_status::failure("write failed: " + describe(s));
    return {};
  }

  store_status forget(const std::string& user, std::uint64_t& deleted) override {
    deleted = 0;
    rocksdb::WriteBatch batch;
    meta m;
    if (auto st = read_meta(user, m); !st)
      return st;
    if (!m.contact.empty() || m.summary.version > 0) {
      // the emergency contact and the summary (the person's words) go with the conversations
      m.contact.clear();
      m.summary = {};
      batch.Put(meta_cf(), keys::meta_key(user), meta_json(m).dump());
    }
    auto prefix = keys::user_prefix(user);
    for (auto* cf : {messages(), memories()}) {
      std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(rocksdb::ReadOptions{}, cf)};
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        batch.Delete(cf, it->key());
        if (cf == messages())
          ++deleted;
      }
      if (!it->status().ok())
        return store_status::failure("read failed: " + describe(it->status()));
    }
    rocksdb::WriteOptions wo = write_opts_;
    wo.sync = true; // an erasure the user asked for is always made durable before we say so
    auto s = db_->Write(wo, &batch);
    if (!s.ok())
      return store_status::failure("delete failed: " + describe(s));
    return {};
  }

  store_status report(const std::string& from, const std::string& to,
                      std::vector<report_count>& out) override {
    out.clear();
    auto prefix = keys::report_prefix();
    std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(rocksdb::ReadOptions{}, meta_cf())};
    for (it->Seek(prefix + from); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      auto rest = it->key().ToStringView().substr(prefix.size()); // day/event
      auto slash = rest.find('/');
      if (slash == std::string_view::npos)
        continue;
      auto day = rest.substr(0, slash);
      if (day > to)
        break;
      auto v = it->value().ToStringView();
      if (v.size() != 8)
        return store_status::failure("corrupt report count");
      out.push_back({std::string{day}, std::string{rest.substr(slash + 1)}, keys::read_u64be(v)});
    }
    if (!it->status().ok())
      return store_status::failure("read failed: " + describe(it->status()));
    return {};
  }

private:
  /// The newest `limit` memories of `user`, oldest first; with their vectors when asked.
  store_status read_memories(const std::string& user, std::size_t limit, bool with_embeddings,
                             std::vector<core::memory_fact>& out) {
    out.clear();
    auto prefix = keys::user_prefix(user);
    std::unique_ptr<rocksdb::Iterator> it{db_->NewIterator(rocksdb::ReadOptions{}, memories())};
    // newest memories first, then reversed; a fact's embedding key (+'e') sorts right after
    // the fact's key, so walking backwards meets the embedding first
    auto upper = prefix;
    keys::append_u64be(upper, UINT64_MAX);
    upper.push_back(keys::embedding_suffix);
    std::optional<std::pair<std::string, core::memory_fact>> pending_embedding; // key, value
    for (it->SeekForPrev(upper); it->Valid() && out.size() < limit; it->Prev()) {
      auto key = it->key().ToStringView();
      if (!key.starts_with(prefix))
        break;
      if (key.size() == prefix.size() + 9 && key.back() == keys::embedding_suffix) {
        if (!with_embeddings)
          continue;
        auto v = json::parse(it->value().ToStringView(), nullptr, false);
        if (!v.is_object())
          continue;
        core::memory_fact e;
        if (auto vec = core::hashed_embedder::unpack(v.value("vec", "")))
          e.embedding = std::move(*vec);
        e.model = v.value("model", "");
        pending_embedding.emplace(std::string{key.substr(0, key.size() - 1)}, std::move(e));
        continue;
      }
      auto seq = keys::decode_index(key, user);
      auto v = json::parse(it->value().ToStringView(), nullptr, false);
      if (!seq || !v.is_object())
        continue;
      core::memory_fact f;
      f.text = v.value("text", "");
      f.turn = *seq >> 8;
      f.index = static_cast<std::uint32_t>(*seq & 0xFFu);
      f.ts = v.value("ts", std::int64_t{0});
      if (pending_embedding && pending_embedding->first == key) {
        f.embedding = std::move(pending_embedding->second.embedding);
        f.model = std::move(pending_embedding->second.model);
      }
      pending_embedding.reset();
      if (!f.text.empty())
        out.push_back(std::move(f));
    }
    if (!it->status().ok())
      return store_status::failure("read failed: " + describe(it->status()));
    std::reverse(out.begin(), out.end());
    return {};
  }

  /// Rewrites (`text`) or erases (null) one fact, dropping its vector; durable.
  store_status change_memory(const std::string& user, const core::memory_ref& ref,
                             const std::string* text, std::optional<std::string>& old) {
    old.reset();
    auto key = keys::fact_key(user, ref.turn, ref.index);
    std::string existing;
    auto got = db_->Get(rocksdb::ReadOptions{}, memories(), key, &existing);
    if (got.IsNotFound())
      return {};
    if (!got.ok())
      return store_status::failure("read failed: " + describe(got));
    auto v = json::parse(existing, nullptr, false);
    if (!v.is_object())
      return store_status::failure("corrupt memory record");
    old = v.value("text", "");
    rocksdb::WriteBatch batch;
    auto vector_key = key + keys::embedding_suffix;
    batch.Delete(memories(), vector_key);
    if (text) {
      v["text"] = *text;
      v["edited"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
      batch.Put(memories(), key, v.dump());
    } else {
      batch.Delete(memories(), key);
    }
    rocksdb::WriteOptions wo = write_opts_;
    wo.sync = true; // what a person asked us to change is durable before we say so
    auto s = db_->Write(wo, &batch);
    if (!s.ok()) {
      old.reset();
      return store_status::failure("write failed: " + describe(s));
    }
    return {};
  }

  rocksdb::ColumnFamilyHandle* messages() { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* memories() { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* meta_cf() { return handles_[3]; }

  store_status read_meta(const std::string& user, meta& m) {
    std::string v;
    auto s = db_->Get(rocksdb::ReadOptions{}, meta_cf(), keys::meta_key(user), &v);
    if (s.IsNotFound())
      return {};
    if (!s.ok())
      return store_status::failure("read failed: " + describe(s));
    auto j = json::parse(v, nullptr, false);
    if (!j.is_object())
      return store_status::failure("corrupt meta record for a user");
    m.last_turn = j.value("last_turn", std::uint64_t{0});
    m.memory_seq = j.value("memory_seq", std::uint64_t{0});
    if (auto c = j.find("care"); c != j.end() && c->is_array() && c->size() == 4) {
      for (const auto& v : *c)
        if (!v.is_number_integer())
          return store_status::failure("corrupt care schedule for a user");
      m.care = {(*c)[0].get<std::int64_t>(), (*c)[1].get<std::int64_t>(),
                (*c)[2].get<std::int64_t>(), (*c)[3].get<std::int64_t>()};
    }
    m.contact = j.value("contact", "");
    if (auto sm = j.find("summary"); sm != j.end() && sm->is_object()) {
      m.summary.version = sm->value("version", std::uint64_t{0});
      m.summary.through_turn = sm->value("through", std::uint64_t{0});
      m.summary.text = sm->value("text", "");
    }
    return {};
  }

  rocksdb::DB* db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::WriteOptions write_opts_;
};

} // namespace

std::unique_ptr<conversation_store> open_rocksdb_store(const conversation_store::options& opt,
                                                       std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(opt.path, ec);
  if (ec) {
    error = "cannot create data directory '" + opt.path + "': " + ec.message();
    return nullptr;
  }
  if (::access(opt.path.c_str(), W_OK) != 0) {
    error = "data directory '" + opt.path + "' is not writable";
    return nullptr;
  }
  rocksdb::Options o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.keep_log_file_num = 4;
  o.max_log_file_size = 16 << 20;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  // Bounded memtables (RocksDB's default is 64 MB each): a steady memory footprint.
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = 16 << 20;
  cf.max_write_buffer_number = 2;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs{
    {rocksdb::kDefaultColumnFamilyName, cf},
    {"messages", cf},
    {"memories", cf},
    {"meta", cf},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(rocksdb::DBOptions{o}, opt.path, cfs, &handles, &db);
  if (!s.ok()) {
    auto msg = s.ToString();
    if (msg.find("lock") != std::string::npos || msg.find("LOCK") != std::string::npos)
      error = "data directory '" + opt.path + "' is in use by another process (" + msg + ")";
    else if (s.IsCorruption())
      error = "data directory '" + opt.path + "' is corrupt: " + msg;
    else
      error = "cannot open data directory '" + opt.path + "': " + msg;
    return nullptr;
  }
  return std::make_unique<rocksdb_store>(db, std::move(handles), opt.sync);
}

std::unique_ptr<conversation_store> conversation_store::open(const options& opt,
                                                             std::string& error) {
  if (opt.backend == "postgres")
    return open_postgres_store(opt, error);
  if (opt.backend != "rocksdb") {
    error = "unknown storage backend '" + opt.backend + "' (rocksdb or postgres)";
    return nullptr;
  }
  return open_rocksdb_store(opt, error);
}

} // namespace xinyu::storage
