// A thin owner of one libpq connection: statements with binary parameters and binary results,
// reconnection on demand, errors as sentences. Storage-internal; must never be included outside
// storage/ and never used from two threads at once.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xinyu::storage::pg {

/// Parameters of one statement ($1, $2, ...), sent in binary: the SQL casts each one
/// ($1::bytea, $2::bigint, $3::text) so that the server knows its type.
class param_list {
public:
  param_list& bytes(std::string_view v); // bytea (any bytes, NUL included)
  param_list& text(std::string_view v);  // text (valid UTF-8 without NUL)
  param_list& i64(std::int64_t v);       // bigint
  param_list& null();                    // SQL NULL of whatever type the cast says

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

private:
  std::vector<std::string> values_;
  std::vector<bool> is_null_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  mutable std::vector<const char*> pointers_;
};

/// The rows of one statement, in binary format; columns must be bigint, bytea or text.
class result {
public:
  explicit result(PGresult* r) : r_(r, &PQclear) {}
  int rows() const { return PQntuples(r_.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string bytes(int row, int col) const; // bytea or text; "" when NULL
  std::int64_t i64(int row, int col) const;  // bigint; 0 when NULL
  /// Rows a DELETE/UPDATE/INSERT touched.
  std::uint64_t affected() const;
  PGresult* raw() const { return r_.get(); }

private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

class connection {
public:
  /// Connects with a libpq connection string ("host=... dbname=..." or a postgresql:// URI);
  /// null with `error` when the server cannot be reached or refuses.
  static std::unique_ptr<connection> open(const std::string& conninfo, std::string& error);

  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Reconnects when the connection was lost; false with `error` while the server is away.
  bool ensure_connected(std::string& error);

  /// Runs one statement; nullopt with `error` (one sentence, PostgreSQL's own words) on failure.
  std::optional<result> exec(const char* sql, const param_list& params, std::string& error);
  /// Statements without parameters (BEGIN, COMMIT, a DDL script, SET ...).
  bool command(const char* sql, std::string& error);

  /// Runs `body` inside BEGIN ... COMMIT; rolls back when `body` returns false or COMMIT fails.
  template <class F>
  bool transaction(std::string& error, F&& body) {
    if (!command("BEGIN", error))
      return false;
    if (!body() || !command("COMMIT", error)) {
      std::string ignored;
      command("ROLLBACK", ignored);
      return false;
    }
    return true;
  }

private:
  explicit connection(PGconn* c) : c_(c) {}
  PGconn* c_;
};

} // namespace xinyu::storage::pg
