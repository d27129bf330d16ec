#include "store_segment.hpp"

#include <chrono>
#include <stdexcept>

#include "ropekv/keys/key_codec.hpp"

namespace ropekv::router::test {
namespace {

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

template <class Reply>
Reply with_status(pb::Status s) {
  Reply r;
  *r.mutable_status() = std::move(s);
  return r;
}

}  // namespace

pb::Status status_of(errc code, std::string message) {
  pb::Status s;
  s.set_error_code(static_cast<uint32_t>(code));
  s.set_message(std::move(message));
  return s;
}

std::unique_ptr<store_segment> store_segment::open(const std::string& path, store::segment_meta meta) {
  auto st = store::segment_store::open(path);
  if (!st) throw std::runtime_error("cannot open store " + path + ": " + st.error().message);
  if (auto ok = (*st)->set_meta(meta); !ok) throw std::runtime_error(ok.error().message);
  return std::unique_ptr<store_segment>(new store_segment(std::move(*st), std::move(meta)));
}

void store_segment::set_epoch(uint64_t epoch) {
  meta_.epoch = epoch;
  if (auto ok = store_->set_meta(meta_); !ok) throw std::runtime_error(ok.error().message);
}

namespace {

std::optional<pb::Status> check_routing(const pb::Routing& r, const store::segment_meta& meta) {
  if (r.segment_id() != meta.segment_id || r.epoch() != meta.epoch)
    return status_of(errc::wrong_segment, "routed to " + std::to_string(r.segment_id()) + "@" +
                                              std::to_string(r.epoch()) + ", this is " +
                                              std::to_string(meta.segment_id) + "@" +
                                              std::to_string(meta.epoch));
  return std::nullopt;
}

}  // namespace

pb::GetReply store_segment::get(const pb::GetRequest& req) {
  if (auto bad = check_routing(req.routing(), meta_)) return with_status<pb::GetReply>(*bad);
  store::read_options o{now_us(), req.as_of()};
  auto item = store_->get(req.table_id(), req.hash_key(), req.range_key(), o);
  if (!item) return with_status<pb::GetReply>(status_of(item.error().code, item.error().message));
  pb::GetReply r;
  *r.mutable_item() = std::move(*item);
  return r;
}

pb::WriteReply store_segment::write(const pb::WriteRequest& req) {
  if (auto bad = check_routing(req.routing(), meta_)) return with_status<pb::WriteReply>(*bad);
  pb::Mutation m = req.mutation();
  m.set_timestamp_us(now_us());
  auto res = store_->apply(m);
  if (!res) return with_status<pb::WriteReply>(status_of(res.error().code, res.error().message));
  pb::WriteReply r;
  if (res->error_code() != 0) *r.mutable_status() = status_of(static_cast<errc>(res->error_code()), res->error_message());
  *r.mutable_result() = std::move(*res);
  return r;
}

pb::ItemsReply store_segment::range(const pb::RangeRequest& req) {
  if (auto bad = check_routing(req.routing(), meta_)) return with_status<pb::ItemsReply>(*bad);
  store::range_query q;
  q.table = req.table_id();
  q.hash_key = req.hash_key();
  q.by_rk2 = req.by_rk2();
  if (req.has_from()) q.from = req.from();
  if (req.has_to()) q.to = req.to();
  q.reverse = req.reverse();
  q.limit = req.limit();
  q.cursor = req.cursor();
  q.read = store::read_options{now_us(), req.as_of()};
  auto page = store_->range(q);
  if (!page) return with_status<pb::ItemsReply>(status_of(page.error().code, page.error().message));
  pb::ItemsReply r;
  for (auto& item : page->items) *r.add_items() = std::move(item);
  r.set_next_cursor(page->next_cursor);
  return r;
}

pb::ItemsReply store_segment::scan(const pb::ScanRequest& req) {
  if (auto bad = check_routing(req.routing(), meta_)) return with_status<pb::ItemsReply>(*bad);
  store::scan_query q;
  q.start = req.start_key();
  q.end = req.end_key();
  q.limit = req.limit();
  q.cursor = req.cursor();
  q.read = store::read_options{now_us(), 0};
  auto page = store_->scan(q);
  if (!page) return with_status<pb::ItemsReply>(status_of(page.error().code, page.error().message));
  pb::ItemsReply r;
  for (auto& item : page->items) *r.add_items() = std::move(item);
  r.set_next_cursor(page->next_cursor);
  return r;
}

pb::PartitionReply store_segment::partition(const pb::PartitionRequest& req) {
  if (auto bad = check_routing(req.routing(), meta_)) return with_status<pb::PartitionReply>(*bad);
  auto info = store_->partition(req.table_id(), static_cast<uint16_t>(req.partition()));
  if (!info) return with_status<pb::PartitionReply>(status_of(info.error().code, info.error().message));
  pb::PartitionReply r;
  r.set_items(info->items);
  r.set_bytes(info->bytes);
  r.set_head_version(info->head_version);
  return r;
}

}  // namespace ropekv::router::test
