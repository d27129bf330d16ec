#include "rope_layout.hpp"

#include "ropekv/keys/key_codec.hpp"

namespace ropekv::placement_service {
namespace {

error broken(std::string what) { return make_error(errc::internal, std::move(what)); }

rope::segment make_gap(segment_id id, std::string start, std::string end) {
  rope::segment g;
  g.id = id;
  g.start = std::move(start);
  g.end = std::move(end);
  g.epoch = 1;
  return g;
}

// Whether a segment ending at `have` reaches at least `want` ("" = +inf).
bool reaches(const std::string& have, const std::string& want) {
  if (have.empty()) return true;
  if (want.empty()) return false;
  return have >= want;
}

}  // namespace

key_range table_range(uint32_t table) {
  key_range r;
  r.begin = keys::table_prefix(table);
  r.end = table == UINT32_MAX ? std::string() : keys::table_prefix(table + 1);
  return r;
}

std::optional<uint32_t> table_of(const rope::segment& s) {
  if (s.start.size() < 4) return std::nullopt;
  uint32_t t = 0;
  for (int i = 0; i < 4; ++i) t = (t << 8) | static_cast<uint8_t>(s.start[static_cast<size_t>(i)]);
  return t;
}

std::vector<rope::segment> table_segments(const rope::rope& r, uint32_t table) {
  std::vector<rope::segment> out;
  if (r.empty()) return out;
  key_range range = table_range(table);
  for (size_t i = r.rank_of(range.begin); i < r.size(); ++i) {
    const rope::segment& s = r.at(i);
    if (!range.end.empty() && s.start >= range.end) break;
    if (!is_gap(s) && s.start >= range.begin) out.push_back(s);
  }
  return out;
}

result<rope::rope_delta> carve_table(const rope::rope& r, uint32_t table,
                                     const std::vector<rope::segment>& segments,
                                     const id_source& next_id) {
  key_range range = table_range(table);
  if (segments.empty() || segments.front().start != range.begin || segments.back().end != range.end)
    return broken("layout does not cover table " + std::to_string(table));
  const rope::segment& gap = r.get_segment(range.begin);
  if (!is_gap(gap) || !reaches(gap.end, range.end))
    return broken("key range of table " + std::to_string(table) + " is not free");
  rope::rope_delta d;
  d.removed.push_back(gap.id);
  if (gap.start < range.begin) {
    auto id = next_id();
    if (!id) return std::move(id).error();
    d.upserted.push_back(make_gap(*id, gap.start, range.begin));
  }
  for (const auto& s : segments) d.upserted.push_back(s);
  if (gap.end != range.end) {
    auto id = next_id();
    if (!id) return std::move(id).error();
    d.upserted.push_back(make_gap(*id, range.end, gap.end));
  }
  return d;
}

result<rope::rope_delta> clear_table(const rope::rope& r, uint32_t table, const id_source& next_id) {
  rope::rope_delta d;
  auto segs = table_segments(r, table);
  if (segs.empty()) return d;
  std::string start = segs.front().start;
  std::string end = segs.back().end;
  for (const auto& s : segs) d.removed.push_back(s.id);
  size_t first = r.rank_of(start);
  if (first > 0 && is_gap(r.at(first - 1))) {
    d.removed.push_back(r.at(first - 1).id);
    start = r.at(first - 1).start;
  }
  if (!end.empty()) {
    const rope::segment& right = r.get_segment(end);
    if (is_gap(right)) {
      d.removed.push_back(right.id);
      end = right.end;
    }
  }
  auto id = next_id();
  if (!id) return std::move(id).error();
  d.upserted.push_back(make_gap(*id, std::move(start), std::move(end)));
  return d;
}

result<rope::rope> next_version(const rope::rope& r, rope::rope_delta d) {
  d.from_version = r.version();
  d.to_version = r.version() + 1;
  return rope::apply(r, d);
}

}  // namespace ropekv::placement_service
