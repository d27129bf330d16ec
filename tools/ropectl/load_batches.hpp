#pragma once
// load_batches: items -> the bodies of POST /v1/tables/{t}/batch
// (services/router/batch_request.hpp), within the router's limits.
//
// A batch holds at most `max_ops` puts (the router takes 1..100) and a
// body of at most `max_bytes` (the router's --max-body-bytes is 17 MiB;
// libs/net's default 1 MiB); an item too big to share a batch goes alone.
// Every batch carries its own request_id, "<prefix>-<sequence>": the router
// de-duplicates each op under "<request_id>#<index>", so re-sending the
// same body after a lost answer or a 503 never applies an op twice, and
// ops that did succeed answer their first outcome again.
//
// Keys that are valid UTF-8 travel as "hash_key"/"range_key", others as
// "hash_key_base64"/"range_key_base64" (the router's rule for binary keys).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "load_records.hpp"

namespace ropekv::ctl {

struct batch_limits {
  uint32_t max_ops = 100;
  uint64_t max_bytes = 1 << 20;
};

struct load_batch {
  std::string request_id;
  std::string body;            // {"request_id":"…","ops":[…]}
  std::vector<uint64_t> lines; // input line of each op, in op order
  uint64_t input_bytes = 0;    // input consumed by these items (progress)
};

/// One put op of a batch, as JSON.
std::string put_op_json(const load_item& item, std::optional<uint64_t> ttl);

/// A random request_id prefix for one run: "load-" + 16 hex digits.
std::string new_request_prefix();

bool is_utf8(std::string_view bytes);

class batch_builder {
 public:
  batch_builder(batch_limits limits, std::string request_prefix, std::optional<uint64_t> ttl)
      : limits_(limits), prefix_(std::move(request_prefix)), ttl_(ttl) {}

  /// Adds `item` (which consumed `input_bytes`); returns the batch that was
  /// full before it, if any, to be sent.
  std::optional<load_batch> add(const load_item& item, uint64_t input_bytes);
  /// The batch being filled, if it has ops.
  std::optional<load_batch> flush();
  uint64_t batches() const noexcept { return sequence_; }

 private:
  load_batch close();

  batch_limits limits_;
  std::string prefix_;
  std::optional<uint64_t> ttl_;
  std::vector<std::string> ops_;
  std::vector<uint64_t> lines_;
  uint64_t ops_bytes_ = 0;
  uint64_t pending_bytes_ = 0;
  uint64_t sequence_ = 0;
};

}  // namespace ropekv::ctl
