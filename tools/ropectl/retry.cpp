#include "retry.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include "exit_codes.hpp"

namespace ropekv::ctl {

std::chrono::milliseconds backoff_delay(const retry_policy& p, uint32_t attempt, double jitter) {
  double ms = static_cast<double>(p.first_delay.count());
  for (uint32_t i = 1; i < attempt && ms < static_cast<double>(p.max_delay.count()); ++i) ms *= 2;
  ms = std::min(ms, static_cast<double>(p.max_delay.count())) * std::clamp(jitter, 0.5, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

double random_jitter() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.5, 1.0)(rng);
}

retried_reply send_with_retry(const api_call& call, const fetch_fn& fetch, const retry_policy& policy,
                              const sleep_fn& sleep, const std::function<bool(const http_reply&)>& again) {
  retried_reply out;
  for (uint32_t attempt = 0;; ++attempt) {
    out.reply = fetch(call);
    bool retry = false;
    if (!out.reply) {
      auto code = out.reply.error().code;
      retry = code == errc::unavailable || code == errc::timeout;
    } else {
      retry = is_retryable_status(out.reply->status) || (again && again(*out.reply));
    }
    if (!retry || attempt >= policy.retries) return out;
    auto pause = backoff_delay(policy, attempt + 1, random_jitter());
    if (sleep) sleep(pause);
    else std::this_thread::sleep_for(pause);
    ++out.retries;
  }
}

fetch_fn retrying(fetch_fn fetch, retry_policy policy, sleep_fn sleep, uint64_t* retries) {
  return [fetch = std::move(fetch), policy, sleep = std::move(sleep), retries](const api_call& call) {
    auto r = send_with_retry(call, fetch, policy, sleep);
    if (retries) *retries += r.retries;
    return std::move(r.reply);
  };
}

}  // namespace ropekv::ctl
