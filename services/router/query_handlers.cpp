// Range queries and scans: drive an items_walk (items_walk.hpp) with
// segment calls until the page is complete.
#include "handlers.hpp"
#include "items_walk.hpp"
#include "responses.hpp"
#include "ropekv/index/index_key.hpp"
#include "segment_call.hpp"

namespace ropekv::router {
namespace {

class walk_driver : public std::enable_shared_from_this<walk_driver> {
 public:
  walk_driver(request_runtime& rt, std::unique_ptr<items_walk> walk, bool eventual, bool has_rk)
      : rt_(rt), walk_(std::move(walk)), eventual_(eventual), has_rk_(has_rk) {}

  void step() {
    auto snap = rt_.snapshot();
    auto calls = walk_->next_calls(*snap);
    if (!calls) {
      if (calls.error().code == to_string(errc::unavailable)) return replan(snap->version(), calls.error());
      return rt_.fail(calls.error());
    }
    if (calls->empty()) return respond();
    pending_ = calls->size();
    wrong_segment_ = false;
    error_.reset();
    for (auto& call : *calls) {
      std::visit([&](auto& req) { send(call.stream, call.target, std::move(req)); }, call.request);
    }
  }

 private:
  template <class Request>
  void send(size_t stream, const segment_target& target, Request req) {
    auto self = shared_from_this();
    call_segment<Request, pb::ItemsReply>(
        rt_, {.op = op_class::read,
              .eventual = eventual_,
              .plan = {},
              .target = target,
              .build = [req = std::move(req)](const segment_target&) { return req; },
              .done = [self, stream](net::http_result<pb::ItemsReply> r) {
                self->on_done(stream, std::move(r));
              }});
  }

  void on_done(size_t stream, net::http_result<pb::ItemsReply> r) {
    if (!r) {
      if (r.error().code == to_string(errc::wrong_segment)) wrong_segment_ = true;
      else if (!error_) error_ = std::move(r).error();
    } else if (r->status().error_code() != 0) {
      if (!error_) error_ = error_of(r->status());
    } else {
      walk_->on_reply(stream, std::move(*r));
    }
    if (--pending_ > 0) return;
    if (error_) return rt_.fail(*error_);
    if (wrong_segment_)
      return replan(rt_.snapshot()->version(),
                    net::http_error::from(errc::unavailable, "segments kept moving during the query"));
    step();
  }

  // The rope moved under the walk (or it ran into a gap): refresh and plan
  // again from where the walk stands, a bounded number of times.
  void replan(uint64_t seen, net::http_error if_exhausted) {
    if (++replans_ > rt_.options().retry.max_attempts) return rt_.fail(if_exhausted);
    walk_->replan();
    auto self = shared_from_this();
    rt_.after(backoff(rt_.options().retry, replans_ - 1),
              [self, seen] { self->rt_.refresh(seen, [self] { self->step(); }); });
  }

  void respond() {
    auto cursor = walk_->next_cursor();
    auto items = walk_->take_items();
    rt_.reply_json(200, page_body(items, cursor, has_rk_));
  }

  request_runtime& rt_;
  std::unique_ptr<items_walk> walk_;
  bool eventual_;
  bool has_rk_;
  size_t pending_ = 0;
  bool wrong_segment_ = false;
  std::optional<net::http_error> error_;
  uint32_t replans_ = 0;
};

void run_walk(request_runtime& rt, const walk_spec& spec, const std::optional<std::string>& cursor) {
  auto walk = start_walk(spec, cursor);
  if (!walk) return rt.fail(walk.error());
  auto driver = std::make_shared<walk_driver>(rt, std::move(*walk), spec.consistency == pb::EVENTUAL,
                                              !rt.table().range_key().empty());
  driver->step();
}

}  // namespace

void handle_query_items(request_runtime& rt) {
  const auto& req = rt.request();
  const auto& p = req.params;
  if (p.local_index && rt.table().local_index().empty())
    return rt.fail(net::http_error::from(errc::invalid_argument,
                                         "table " + rt.table().name() + " has no local index"));
  walk_spec spec;
  spec.kind = p.local_index ? walk_kind::index : walk_kind::range;
  spec.table = rt.table().id();
  spec.hash_key = req.hash_key;
  spec.from = p.from;
  spec.to = p.to;
  if (p.local_index) {
    // rk2 is stored encoded (write_builder.hpp): so are the bounds, and
    // they are compared once encoded (from=9&to=10 is in order).
    if (spec.from) spec.from = index::rk2_bound(*spec.from);
    if (spec.to) spec.to = index::rk2_bound(*spec.to);
    if (spec.from && spec.to && *spec.from > *spec.to)
      return rt.fail(net::http_error::from(errc::invalid_argument, "from must not be greater than to"));
  }
  spec.reverse = p.reverse;
  spec.limit = p.limit;
  spec.consistency = p.consistency == net::read_consistency::eventual ? pb::EVENTUAL : pb::STRONG;
  spec.as_of = p.as_of.value_or(0);
  spec.max_calls = rt.options().max_walk_calls;
  run_walk(rt, spec, p.cursor);
}

void handle_scan(request_runtime& rt) {
  const auto& p = rt.request().params;
  // ScanRequest has no as_of field and owners scan the latest state only.
  if (p.as_of)
    return rt.fail(net::http_error::from(errc::invalid_argument, "as_of is not supported on scans"));
  walk_spec spec;
  spec.kind = walk_kind::scan;
  spec.table = rt.table().id();
  spec.limit = p.limit;
  spec.consistency = p.consistency == net::read_consistency::eventual ? pb::EVENTUAL : pb::STRONG;
  spec.max_calls = rt.options().max_walk_calls;
  run_walk(rt, spec, p.cursor);
}

}  // namespace ropekv::router
