// libpq behind pg::connection: binary parameters and results (no escaping of user text, NUL
// bytes safe in bytea), one reconnect attempt per call. Must never throw or block without
// libpq's own timeouts (connect_timeout in the connection string).
#include "storage/pg_connection.hpp"

#include <cstring>

namespace xinyu::storage::pg {

namespace {

std::string sentence(const char* raw) {
  std::string s = raw ? raw : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  for (auto& ch : s)
    if (ch == '\n')
      ch = ' ';
  return s.empty() ? "unknown PostgreSQL error" : s;
}

} // namespace

param_list& param_list::bytes(std::string_view v) {
  values_.emplace_back(v);
  is_null_.push_back(false);
  lengths_.push_back(static_cast<int>(v.size()));
  formats_.push_back(1);
  return *this;
}

param_list& param_list::text(std::string_view v) {
  return bytes(v); // the binary form of text is its bytes
}

param_list& param_list::i64(std::int64_t v) {
  std::string be(8, '\0');
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 7; i >= 0; --i, u >>= 8)
    be[static_cast<std::size_t>(i)] = static_cast<char>(u & 0xFFu);
  return bytes(be);
}

param_list& param_list::null() {
  values_.emplace_back();
  is_null_.push_back(true);
  lengths_.push_back(0);
  formats_.push_back(1);
  return *this;
}

const char* const* param_list::values() const {
  pointers_.clear();
  for (std::size_t i = 0; i < values_.size(); ++i)
    pointers_.push_back(is_null_[i] ? nullptr : values_[i].data());
  return pointers_.data();
}

std::string result::bytes(int row, int col) const {
  if (is_null(row, col))
    return {};
  return {PQgetvalue(r_.get(), row, col),
          static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
}

std::int64_t result::i64(int row, int col) const {
  if (is_null(row, col) || PQgetlength(r_.get(), row, col) != 8)
    return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_.get(), row, col));
  std::uint64_t u = 0;
  for (int i = 0; i < 8; ++i)
    u = (u << 8) | p[i];
  return static_cast<std::int64_t>(u);
}

std::uint64_t result::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::stoull(n) : 0;
}

std::unique_ptr<connection> connection::open(const std::string& conninfo, std::string& error) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (!c) {
    error = "out of memory connecting to PostgreSQL";
    return nullptr;
  }
  if (PQstatus(c) != CONNECTION_OK) {
    error = "cannot connect to PostgreSQL: " + sentence(PQerrorMessage(c));
    PQfinish(c);
    return nullptr;
  }
  // notices ("relation already exists, skipping") are not errors: not printed to stderr
  PQsetNoticeProcessor(
    c, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<connection>(new connection(c));
}

connection::~connection() { PQfinish(c_); }

bool connection::ensure_connected(std::string& error) {
  if (PQstatus(c_) == CONNECTION_OK)
    return true;
  PQreset(c_);
  if (PQstatus(c_) == CONNECTION_OK)
    return true;
  error = "PostgreSQL is unreachable: " + sentence(PQerrorMessage(c_));
  return false;
}

std::optional<result> connection::exec(const char* sql, const param_list& params,
                                       std::string& error) {
  PGresult* raw = PQexecParams(c_, sql, params.size(), nullptr, params.values(), params.lengths(),
                               params.formats(), 1);
  result r{raw};
  auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return r;
  error =
    "PostgreSQL: "
    + sentence(raw && *PQresultErrorMessage(raw) ? PQresultErrorMessage(raw) : PQerrorMessage(c_));
  return std::nullopt;
}

bool connection::command(const char* sql, std::string& error) {
  result r{PQexec(c_, sql)}; // PQexec: a script of several statements is allowed here
  PGresult* raw = r.raw();
  auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return true;
  error =
    "PostgreSQL: "
    + sentence(raw && *PQresultErrorMessage(raw) ? PQresultErrorMessage(raw) : PQerrorMessage(c_));
  return false;
}

} // namespace xinyu::storage::pg
