#pragma once
// retry: re-sending a request that got no answer or a "try again" answer
// (429, 502, 503, 504), after an exponential back-off with jitter. Only for
// requests that are safe to repeat: GETs, and writes that carry a
// request_id (the router then applies them once, load_batches.hpp).
#include <chrono>
#include <cstdint>
#include <functional>

#include "pager.hpp"

namespace ropekv::ctl {

struct retry_policy {
  uint32_t retries = 8;                           // re-sends after the first attempt
  std::chrono::milliseconds first_delay{100};
  std::chrono::milliseconds max_delay{5000};
};

using sleep_fn = std::function<void(std::chrono::milliseconds)>;

/// The pause before re-send number `attempt` (1-based): first_delay *
/// 2^(attempt-1), capped at max_delay, scaled by `jitter` in [0.5, 1] (so
/// many clients that failed together do not come back together).
std::chrono::milliseconds backoff_delay(const retry_policy& p, uint32_t attempt, double jitter);

/// A uniformly random jitter in [0.5, 1].
double random_jitter();

struct retried_reply {
  result<http_reply> reply = make_error(errc::internal, "not sent");
  uint32_t retries = 0;  // re-sends made
};

/// Sends `call` with `fetch` until it gets an answer that is neither
/// retryable (is_retryable_status) nor wanted again by `again` (e.g. a
/// 200 whose items failed with 503), or the retries run out; the last
/// outcome. `sleep` empty: std::this_thread::sleep_for.
retried_reply send_with_retry(const api_call& call, const fetch_fn& fetch, const retry_policy& policy,
                              const sleep_fn& sleep = {},
                              const std::function<bool(const http_reply&)>& again = {});

/// A fetch_fn that goes through send_with_retry (for the pager); adds the
/// re-sends it made to *retries when given.
fetch_fn retrying(fetch_fn fetch, retry_policy policy, sleep_fn sleep = {}, uint64_t* retries = nullptr);

}  // namespace ropekv::ctl
