// index_store reads: query pages in (index key, base key) order with opaque
// cursors, and the full dump.
#include <algorithm>

#include "ropekv/index/index_key.hpp"
#include "ropekv/index/index_store.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "store_state.hpp"

namespace ropekv::index {
namespace {

constexpr size_t default_limit = 100;
constexpr size_t max_limit = 1000;
// Rows examined per call at least: expired rows are skipped, not returned,
// so a page may need to look past many of them, but never unboundedly.
constexpr size_t min_scan_budget = 4096;
constexpr char cursor_format = 0x01;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::optional<uint64_t> get_varint(std::string_view& in) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    auto b = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80) == 0) return v;
  }
  return std::nullopt;
}

// The position after which the next page starts: (index key, base key) of
// the last row looked at. Carries the index id so a cursor of another
// index is refused rather than silently misread.
std::string encode_cursor(uint32_t index_id, std::string_view ikey, std::string_view pk) {
  std::string out(1, cursor_format);
  put_varint(out, index_id);
  put_varint(out, ikey.size());
  out += ikey;
  out += pk;
  return out;
}

struct cursor_pos {
  std::string ikey;
  std::string pk;
};

result<cursor_pos> decode_cursor(const detail::store_state& s, std::string_view in) {
  auto bad = [] { return make_error(errc::invalid_argument, "bad_cursor: not a cursor of this index"); };
  if (in.empty() || in.front() != cursor_format) return bad();
  in.remove_prefix(1);
  auto id = get_varint(in);
  if (!id || *id != s.index_id) return bad();
  auto n = get_varint(in);
  if (!n || *n > max_index_value_bytes || *n > in.size()) return bad();
  cursor_pos c{std::string(in.substr(0, *n)), std::string(in.substr(*n))};
  auto key = keys::decode(c.pk);
  if (!key || key->table != s.table_id) return bad();
  return c;
}

// The WHERE clause of one page, with its bound values. The cursor replaces
// the bound on its side (from going forward, to in reverse) instead of
// being added to it: given both, SQLite seeks by the plain bound and
// filters up to the cursor, so paging through n rows would cost O(n^2).
struct page_plan {
  std::string sql;
  std::vector<std::string> binds;
  bool empty = false;  // the bounds admit no row
};

page_plan plan_page(const query_args& q, const std::optional<cursor_pos>& after) {
  page_plan p;
  std::vector<std::string_view> conds;
  auto add = [&](std::string_view cond, std::string value) {
    conds.push_back(cond);
    p.binds.push_back(std::move(value));
  };
  if (q.eq) {
    if ((q.from && *q.eq < *q.from) || (q.to && *q.eq >= *q.to)) p.empty = true;
    add("ikey = ?", *q.eq);
    if (after && after->ikey == *q.eq) {
      add(q.reverse ? "pk < ?" : "pk > ?", after->pk);
    } else if (after && (q.reverse ? after->ikey < *q.eq : after->ikey > *q.eq)) {
      p.empty = true;  // the cursor is past every row of eq
    }
  } else if (!q.reverse) {
    if (after && (!q.from || after->ikey >= *q.from)) {
      add("(ikey, pk) > (?, ?)", after->ikey);
      p.binds.push_back(after->pk);
    } else if (q.from) {
      add("ikey >= ?", *q.from);
    }
    if (q.to) add("ikey < ?", *q.to);
  } else {
    if (after && (!q.to || after->ikey < *q.to)) {
      add("(ikey, pk) < (?, ?)", after->ikey);
      p.binds.push_back(after->pk);
    } else if (q.to) {
      add("ikey < ?", *q.to);
    }
    if (q.from) add("ikey >= ?", *q.from);
  }
  // At most a dozen distinct texts, each cached by the connection.
  p.sql = "SELECT ikey, pk, expires_ms, item FROM ix_rows";
  for (size_t i = 0; i < conds.size(); ++i) {
    p.sql += i == 0 ? " WHERE " : " AND ";
    p.sql += conds[i];
  }
  p.sql += q.reverse ? " ORDER BY ikey DESC, pk DESC" : " ORDER BY ikey, pk";
  return p;
}

}  // namespace

result<query_page> index_store::query(const query_args& q) {
  auto& s = *s_;
  std::optional<cursor_pos> after;
  if (!q.cursor.empty()) {
    auto c = decode_cursor(s, q.cursor);
    if (!c) return std::move(c).error();
    after = std::move(*c);
  }
  size_t limit = q.limit == 0 ? default_limit : std::min(q.limit, max_limit);
  size_t budget = std::max(min_scan_budget, 16 * limit);

  auto plan = plan_page(q, after);
  if (plan.empty) return query_page{};
  auto st = s.db->prepare(plan.sql);
  if (!st) return std::move(st).error();
  for (size_t i = 0; i < plan.binds.size(); ++i) st->bind_blob(static_cast<int>(i + 1), plan.binds[i]);

  query_page page;
  size_t examined = 0;
  std::string last_ikey;
  std::string last_pk;
  while (true) {
    auto row = st->step();
    if (!row) return std::move(row).error();
    if (!*row) break;  // the end: no next page
    if (page.items.size() == limit || examined == budget) {
      // Another row exists: the next page starts after the last one seen
      // (returned, or expired and skipped when the budget ran out).
      page.next_cursor = encode_cursor(s.index_id, last_ikey, last_pk);
      break;
    }
    ++examined;
    last_ikey = st->blob(0);
    last_pk = st->blob(1);
    int64_t expires = st->i64(2);
    if (expires > 0 && expires <= q.now_ms) continue;
    auto bytes = st->blob(3);
    pb::Item item;
    if (!item.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return make_error(errc::corrupt, "index row does not parse");
    }
    page.items.push_back(std::move(item));
  }
  return page;
}

result<std::vector<std::pair<std::string, pb::Item>>> index_store::dump() {
  auto st = s_->db->prepare("SELECT ikey, item FROM ix_rows ORDER BY ikey, pk");
  if (!st) return std::move(st).error();
  std::vector<std::pair<std::string, pb::Item>> out;
  while (true) {
    auto row = st->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    auto bytes = st->blob(1);
    pb::Item item;
    if (!item.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return make_error(errc::corrupt, "index row does not parse");
    }
    out.emplace_back(std::string(st->blob(0)), std::move(item));
  }
  return out;
}

}  // namespace ropekv::index
