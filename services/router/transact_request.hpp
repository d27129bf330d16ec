#pragma once
// POST /v1/transact (docs/transactions.md): parsing and planning, no I/O.
//
// Body:
//   {"request_id":"…",                        optional, de-duplicates retries
//    "ops":[{"put":   {"table":"t","hash_key":"k","range_key":"r","item":{…},
//                      "if":"absent"|"exists","if_version":v,"ttl":s}},
//           {"delete":{"table":"t","hash_key":"k","range_key":"r","if":…,"if_version":v}},
//           {"check": {"table":"t","hash_key":"k","range_key":"r","if":…|"if_version":v}},
//           {"get":   {"table":"t","hash_key":"k","range_key":"r"}}, …]}
// Keys may be given base64 as in batch. Refused with 400 (nothing runs):
// no ops, more than max_txn_ops, an unknown table, a malformed op, two ops
// on one item; with 413: a body over max_txn_bytes or an oversized item.
//
// Planning groups the ops by the segment holding their item: one segment
// is a one-phase Transact; several are two-phase, with the primary (where
// the transaction's record lives) the segment of op 0.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "request_planner.hpp"
#include "ropekv/net/http_error.hpp"
#include "routing_snapshot.hpp"

namespace ropekv::router {

struct txn_op {
  pb::TxnOp op;            // index = place in the request
  std::string kind;        // put, delete, check, get
  std::string table_name;
  bool table_has_range_key = false;
  std::string key;         // encoded rope key of the item
  uint64_t tp = 0;         // table << 16 | partition
  bool writes() const { return op.has_put() || op.has_delete_(); }
};

struct txn_request {
  std::optional<std::string> request_id;
  std::vector<txn_op> ops;
  /// What the request asks, whatever a retry may change (item expiry
  /// times are stamped per HTTP request): the segments compare it when a
  /// request_id comes back, to refuse one reused for another request.
  uint64_t fingerprint = 0;
};

struct txn_limits {
  size_t max_ops = 1000;
  size_t max_bytes = size_t{16} << 20;
};

/// Parses and validates a body against the tables of `snap` (unknown
/// table: 404 not_found, which the caller may retry after a rope refresh).
net::http_result<txn_request> parse_transact(std::string_view body, const routing_snapshot& snap,
                                             const txn_limits& limits, int64_t now_ms);

/// The ops one segment takes part with.
struct txn_participant {
  segment_target target;
  std::vector<size_t> ops;  // indexes into txn_request::ops, ascending
  bool primary = false;
};

/// Groups ops by segment; the participant holding op 0 is first and
/// primary. unavailable when the rope has a gap.
net::http_result<std::vector<txn_participant>> plan_transaction(const txn_request& req,
                                                                const routing_snapshot& snap);

/// The op results of a transaction that committed at commit_version, from
/// its prepare results (one per op, by index): writes at commit_version +
/// their offset, reads and checks as prepared.
std::vector<pb::TxnOpResult> committed_results(const std::vector<pb::TxnOpResult>& prepared,
                                               uint64_t commit_version);

}  // namespace ropekv::router
