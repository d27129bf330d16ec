#pragma once
// items_walk: one page of a range query or a scan, as a pure state machine
// over segment requests. The request actor drives it:
//
//   auto walk = start_walk(spec, cursor);            // 400 for a bad cursor
//   while (calls = walk->next_calls(snapshot), !calls.empty()) {
//     send each call (retried per retry_policy); on each ok reply:
//       walk->on_reply(call.stream, reply);
//     on wrong_segment: refresh the rope, walk->replan();
//   }
//   render walk->take_items(), walk->next_cursor();
//
// Walks (see router_cursor.hpp for what a cursor holds):
//  - scan: the table's range [table_prefix(t), table_prefix(t+1)), segment
//    after segment in rope order;
//  - range: one hash key's items by range key, from <= rk < to, forward or
//    reverse; usually one segment, but a hash key split across segments is
//    read segment after segment;
//  - index (index=local): by rk2, from <= rk2 < to; items of one hash key on
//    several segments interleave in rk2 order, so the covering segments are
//    read side by side and merged, ties broken by range key.
//
// A page stops at `limit` items, at the end of the range, or after
// max_calls segment requests; it may then hold fewer than `limit` items
// (even none) and still have a cursor: clients page until no cursor comes
// back. Not thread-safe: one request actor owns a walk.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "request_planner.hpp"
#include "router_cursor.hpp"

namespace ropekv::router {

struct walk_spec {
  walk_kind kind = walk_kind::scan;
  uint32_t table = 0;
  std::string hash_key;                // range, index
  std::optional<std::string> from;     // range: range key; index: rk2 (inclusive)
  std::optional<std::string> to;       // exclusive
  bool reverse = false;                // range, index
  uint32_t limit = 100;
  pb::Consistency consistency = pb::STRONG;
  uint64_t as_of = 0;                  // range, index
  uint32_t max_calls = 32;             // segment requests per page
};

/// One segment request the driver must send; `stream` names it in on_reply.
struct walk_call {
  size_t stream = 0;
  segment_target target;
  std::variant<pb::RangeRequest, pb::ScanRequest> request;
};

class items_walk {
 public:
  virtual ~items_walk() = default;
  /// Calls to send now, planned on `snap`; empty once the page is complete.
  /// unavailable when the range runs into a gap segment.
  virtual net::http_result<std::vector<walk_call>> next_calls(const routing_snapshot& snap) = 0;
  /// The ok reply (status code 0) of the call for `stream`.
  virtual void on_reply(size_t stream, pb::ItemsReply reply) = 0;
  /// Some call came back wrong_segment: drop plans that name segments, so
  /// next_calls() plans again on the refreshed snapshot.
  virtual void replan() = 0;
  /// The page's items, in walk order (once next_calls() returned nothing).
  virtual std::vector<pb::Item> take_items() = 0;
  /// The next page's cursor; nullopt when the range is exhausted.
  virtual std::optional<std::string> next_cursor() const = 0;
};

/// A walk from the start of the range, or from `cursor` (a previous page's
/// next_cursor). 400 for a cursor that is malformed or from another query.
net::http_result<std::unique_ptr<items_walk>> start_walk(const walk_spec& spec,
                                                         const std::optional<std::string>& cursor);

// Constructors behind start_walk (segment_walk.cpp, index_walk.cpp).
net::http_result<std::unique_ptr<items_walk>> make_segment_walk(const walk_spec& spec,
                                                                const router_cursor* cursor);
net::http_result<std::unique_ptr<items_walk>> make_index_walk(const walk_spec& spec,
                                                              const router_cursor* cursor);

}  // namespace ropekv::router
