#pragma once
// batch_sender: one load batch to the router and what became of each item.
//
// The batch is POSTed with retries (retry.hpp): on no answer, on a
// retryable status, and on a 200 in which some op answered a retryable
// status (503 while a segment elects its leader). A re-send is the same
// body with the same request_id, so ops that did succeed are
// de-duplicated by the router, answer their first outcome, and are never
// applied twice.
//
// Outcome per batch: items written, items failed (with line, code and
// message), re-sends made, and `fatal_exit` when the load should stop:
// the table is gone (404), access is refused (401/403), or the router kept
// failing through every retry (5) -- the next batch would fare no better.
// Other whole-batch refusals (400, 413) fail that batch's items only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "load_batches.hpp"
#include "retry.hpp"

namespace ropekv::ctl {

struct item_failure {
  uint64_t line = 0;
  unsigned status = 0;  // 0: no answer
  std::string code;
  std::string message;
};

struct batch_outcome {
  uint64_t written = 0;
  std::vector<item_failure> failures;
  uint32_t retries = 0;
  std::optional<int> fatal_exit;  // exit code to stop the load with
  std::string fatal_message;      // `error: CODE: message` line for it
};

/// The reading of a batch answer (exposed for tests): per-op statuses.
batch_outcome read_batch_reply(const load_batch& batch, const http_reply& reply);

/// True when a 2xx batch answer has an op that failed with a retryable
/// status.
bool has_retryable_op(const http_reply& reply);

/// Sends `batch` to `target` (/v1/tables/{t}/batch).
batch_outcome send_batch(const load_batch& batch, const std::string& target, const fetch_fn& fetch,
                         const retry_policy& policy, const sleep_fn& sleep = {});

}  // namespace ropekv::ctl
