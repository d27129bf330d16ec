// Partition info and rollback. A partition's keys may span several
// segments (a split inside it), so both fan out to every segment covering
// [partition_prefix(t, p), prefix_end) and combine: info sums items and
// bytes and takes the highest head version; rollback applies the marker on
// each segment (idempotent, so a re-planned retry may repeat segments).
#include "handlers.hpp"
#include "responses.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "segment_call.hpp"

namespace ropekv::router {
namespace {

template <class Request, class Reply>
class partition_fanout : public std::enable_shared_from_this<partition_fanout<Request, Reply>> {
 public:
  using build_fn = std::function<Request(const segment_target&)>;
  using finish_fn = std::function<void(const std::vector<std::pair<segment_target, Reply>>&)>;

  partition_fanout(request_runtime& rt, op_class op, build_fn build, finish_fn finish)
      : rt_(rt), op_(op), build_(std::move(build)), finish_(std::move(finish)) {}

  void run() {
    auto snap = rt_.snapshot();
    const auto& req = rt_.request();
    std::string lo = keys::partition_prefix(rt_.table().id(), req.partition);
    auto targets = targets_for_range(*snap, lo, keys::prefix_end(lo));
    if (!targets) {
      if (targets.error().code == to_string(errc::unavailable)) return again(snap->version());
      return rt_.fail(targets.error());
    }
    replies_.clear();
    pending_ = targets->size();
    wrong_segment_ = false;
    error_.reset();
    auto self = this->shared_from_this();
    for (auto& t : *targets) {
      call_segment<Request, Reply>(
          rt_, {.op = op_,
                .eventual = false,
                .plan = {},
                .target = t,
                .build = build_,
                .done = [self, t](net::http_result<Reply> r) { self->on_done(t, std::move(r)); }});
    }
  }

 private:
  void on_done(const segment_target& t, net::http_result<Reply> r) {
    if (!r) {
      if (r.error().code == to_string(errc::wrong_segment)) wrong_segment_ = true;
      else if (!error_) error_ = std::move(r).error();
    } else if (r->status().error_code() != 0) {
      if (!error_) error_ = error_of(r->status());
    } else {
      replies_.emplace_back(t, std::move(*r));
    }
    if (--pending_ > 0) return;
    if (error_) return rt_.fail(*error_);
    if (wrong_segment_) return again(t.rope_version);
    finish_(replies_);
  }

  void again(uint64_t seen) {
    if (++rounds_ > rt_.options().retry.max_attempts)
      return rt_.fail(net::http_error::from(errc::unavailable, "partition's segments kept moving"));
    auto self = this->shared_from_this();
    rt_.after(backoff(rt_.options().retry, rounds_ - 1),
              [self, seen] { self->rt_.refresh(seen, [self] { self->run(); }); });
  }

  request_runtime& rt_;
  op_class op_;
  build_fn build_;
  finish_fn finish_;
  std::vector<std::pair<segment_target, Reply>> replies_;
  size_t pending_ = 0;
  bool wrong_segment_ = false;
  std::optional<net::http_error> error_;
  uint32_t rounds_ = 0;
};

}  // namespace

void handle_get_partition(request_runtime& rt) {
  uint32_t table = rt.table().id();
  uint16_t partition = rt.request().partition;
  auto build = [table, partition](const segment_target& t) {
    pb::PartitionRequest req;
    *req.mutable_routing() = t.routing();
    req.set_table_id(table);
    req.set_partition(partition);
    return req;
  };
  auto finish = [&rt, partition](const std::vector<std::pair<segment_target, pb::PartitionReply>>& rs) {
    partition_totals totals;
    for (const auto& [t, r] : rs) {
      totals.items += r.items();
      totals.bytes += r.bytes();
      totals.head_version = std::max<uint64_t>(totals.head_version, r.head_version());
      totals.segments.push_back(t.segment.value);
    }
    rt.reply_json(200, partition_body(rt.table().name(), partition, totals));
  };
  std::make_shared<partition_fanout<pb::PartitionRequest, pb::PartitionReply>>(rt, op_class::read, build,
                                                                              finish)
      ->run();
}

void handle_rollback_partition(request_runtime& rt) {
  const auto* spec = std::get_if<net::rollback_spec>(&rt.request().body);
  if (!spec) return rt.fail(net::http_error::from(errc::invalid_argument, "rollback body missing"));
  uint64_t to_version = spec->to_version;
  uint16_t partition = rt.request().partition;
  pb::Mutation m = build_rollback(rt.table().id(), partition, to_version);
  auto build = [m](const segment_target& t) {
    pb::WriteRequest req;
    *req.mutable_routing() = t.routing();
    *req.mutable_mutation() = m;
    return req;
  };
  auto finish = [&rt, partition, to_version](const std::vector<std::pair<segment_target, pb::WriteReply>>& rs) {
    std::vector<uint64_t> segments;
    for (const auto& [t, r] : rs) {
      if (r.result().error_code() != 0) return rt.fail(error_of(r.result()));
      segments.push_back(t.segment.value);
    }
    rt.reply_json(200, rollback_body(rt.table().name(), partition, to_version, segments));
  };
  std::make_shared<partition_fanout<pb::WriteRequest, pb::WriteReply>>(rt, op_class::idempotent_write,
                                                                      build, finish)
      ->run();
}

}  // namespace ropekv::router
