#include "ropekv/webhook/delivery_store.hpp"

#include "ropekv/sqlite/connection.hpp"

namespace ropekv::webhook {

namespace detail {

// The handle delivery_store.hpp declares, so that its users see no SQLite
// type: just the store's connection.
class connection {
 public:
  explicit connection(std::unique_ptr<sqlite::connection> db) : db_(std::move(db)) {}
  sqlite::connection& db() { return *db_; }

 private:
  std::unique_ptr<sqlite::connection> db_;
};

}  // namespace detail

namespace {

constexpr int64_t schema_version = 1;

constexpr std::string_view schema_sql = R"(
CREATE TABLE IF NOT EXISTS hook_delivery(
  name            TEXT PRIMARY KEY,
  cursor          BLOB NOT NULL,
  delivered       INTEGER NOT NULL DEFAULT 0,
  last_status     INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  last_attempt_ms INTEGER NOT NULL DEFAULT 0,
  last_success_ms INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0,
  failing         INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
PRAGMA user_version = 1;
)";

constexpr std::string_view columns_sql =
    "cursor, delivered, last_status, last_error, last_attempt_ms, last_success_ms, attempts, failing, "
    "next_attempt_ms";

// Reads the columns of columns_sql starting at column `first`.
delivery_state read_state(const sqlite::stmt& s, int first) {
  delivery_state st;
  st.cursor = s.bytes(first);
  st.delivered = static_cast<uint64_t>(s.i64(first + 1));
  st.last_status = static_cast<uint32_t>(s.i64(first + 2));
  st.last_error = s.bytes(first + 3);
  st.last_attempt_ms = s.i64(first + 4);
  st.last_success_ms = s.i64(first + 5);
  st.attempts = static_cast<uint32_t>(s.i64(first + 6));
  st.failing = s.i64(first + 7) != 0;
  st.next_attempt_ms = s.i64(first + 8);
  return st;
}

// Cut at a UTF-8 character boundary so the TEXT column stays valid.
std::string_view cut_error(std::string_view error) {
  if (error.size() <= max_stored_error_bytes) return error;
  size_t n = max_stored_error_bytes;
  while (n > 0 && (static_cast<unsigned char>(error[n]) & 0xC0) == 0x80) --n;
  return error.substr(0, n);
}

}  // namespace

void to_proto(const delivery_state& state, pb::HookState& out) {
  out.set_cursor(state.cursor);
  out.set_delivered(state.delivered);
  out.set_last_status(state.last_status);
  out.set_last_error(state.last_error);
  out.set_last_attempt_ms(state.last_attempt_ms);
  out.set_last_success_ms(state.last_success_ms);
  out.set_attempts(state.attempts);
  out.set_failing(state.failing);
  out.set_next_attempt_ms(state.next_attempt_ms);
}

delivery_store::delivery_store(std::unique_ptr<detail::connection> db) : db_(std::move(db)) {}
delivery_store::~delivery_store() = default;

result<std::unique_ptr<delivery_store>> delivery_store::open(const std::string& path) {
  auto db = sqlite::connection::open(path);
  if (!db) return std::move(db).error();
  auto& c = **db;
  // A second process on the same file waits instead of failing at once.
  for (std::string_view pragma : {"PRAGMA busy_timeout=5000", "PRAGMA journal_mode=WAL",
                                  "PRAGMA synchronous=NORMAL"}) {
    if (auto r = c.exec(pragma); !r) return std::move(r).error();
  }
  auto version = c.query_int("PRAGMA user_version");
  if (!version) return std::move(version).error();
  if (*version > schema_version)
    return make_error(errc::corrupt, path + ": delivery store schema " + std::to_string(*version) +
                                         " is newer than this binary's " + std::to_string(schema_version));
  if (auto r = c.exec(schema_sql); !r) return std::move(r).error();
  return std::unique_ptr<delivery_store>(
      new delivery_store(std::make_unique<detail::connection>(std::move(*db))));
}

result<std::optional<delivery_state>> delivery_store::load(std::string_view name) {
  std::lock_guard lock(mu_);
  static const std::string sql = "SELECT " + std::string(columns_sql) + " FROM hook_delivery WHERE name = ?1";
  auto s = db_->db().prepare(sql);
  if (!s) return std::move(s).error();
  s->bind_text(1, name);
  auto row = s->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<delivery_state>();
  return std::optional<delivery_state>(read_state(*s, 0));
}

result<bool> delivery_store::start(std::string_view name, std::string_view initial_cursor) {
  std::lock_guard lock(mu_);
  auto s = db_->db().prepare("INSERT INTO hook_delivery(name, cursor) VALUES(?1, ?2) ON CONFLICT(name) DO NOTHING");
  if (!s) return std::move(s).error();
  s->bind_text(1, name).bind_blob(2, initial_cursor);
  if (auto r = s->run(); !r) return std::move(r).error();
  auto changed = db_->db().query_int("SELECT changes()");
  if (!changed) return std::move(changed).error();
  return *changed > 0;
}

status delivery_store::commit_success(std::string_view name, std::string_view cursor, uint32_t http_status,
                                      int64_t now_ms, uint64_t events) {
  std::lock_guard lock(mu_);
  // One statement: the cursor and the counters change together or not at all.
  auto s = db_->db().prepare(R"(
INSERT INTO hook_delivery(name, cursor, delivered, last_status, last_error, last_attempt_ms,
                          last_success_ms, attempts, failing, next_attempt_ms)
VALUES(?1, ?2, ?3, ?4, '', ?5, ?5, 0, 0, 0)
ON CONFLICT(name) DO UPDATE SET
  cursor = excluded.cursor,
  delivered = delivered + excluded.delivered,
  last_status = excluded.last_status,
  last_error = '',
  last_attempt_ms = excluded.last_attempt_ms,
  last_success_ms = excluded.last_success_ms,
  attempts = 0,
  failing = 0,
  next_attempt_ms = 0)");
  if (!s) return std::move(s).error();
  s->bind_text(1, name).bind_blob(2, cursor).bind(3, static_cast<int64_t>(events)).bind(4, http_status).bind(5, now_ms);
  return s->run();
}

status delivery_store::record_failure(std::string_view name, uint32_t http_status, std::string_view error,
                                      uint32_t attempts, int64_t next_attempt_ms, bool failing, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto s = db_->db().prepare(R"(
INSERT INTO hook_delivery(name, cursor, last_status, last_error, last_attempt_ms, attempts, failing,
                          next_attempt_ms)
VALUES(?1, x'', ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT(name) DO UPDATE SET
  last_status = excluded.last_status,
  last_error = excluded.last_error,
  last_attempt_ms = excluded.last_attempt_ms,
  attempts = excluded.attempts,
  failing = excluded.failing,
  next_attempt_ms = excluded.next_attempt_ms)");
  if (!s) return std::move(s).error();
  s->bind_text(1, name)
      .bind(2, http_status)
      .bind_text(3, cut_error(error))
      .bind(4, now_ms)
      .bind(5, attempts)
      .bind(6, failing ? 1 : 0)
      .bind(7, next_attempt_ms);
  return s->run();
}

status delivery_store::remove(std::string_view name) {
  std::lock_guard lock(mu_);
  auto s = db_->db().prepare("DELETE FROM hook_delivery WHERE name = ?1");
  if (!s) return std::move(s).error();
  s->bind_text(1, name);
  return s->run();
}

result<std::vector<std::pair<std::string, delivery_state>>> delivery_store::all() {
  std::lock_guard lock(mu_);
  static const std::string sql =
      "SELECT name, " + std::string(columns_sql) + " FROM hook_delivery ORDER BY name";
  auto s = db_->db().prepare(sql);
  if (!s) return std::move(s).error();
  std::vector<std::pair<std::string, delivery_state>> out;
  while (true) {
    auto row = s->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    out.emplace_back(s->bytes(0), read_state(*s, 1));
  }
  return out;
}

}  // namespace ropekv::webhook
