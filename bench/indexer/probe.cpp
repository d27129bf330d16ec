// The lag probe: while the writers load the table, write one item whose
// attribute values exist nowhere else, then poll an eq= query of one index
// for it (no after=, one query in flight) until it shows; the next probe
// uses the next index. See probe_log for what is recorded.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <ctime>

#include "http_session.hpp"
#include "index_bench.hpp"
#include "item_shape.hpp"

namespace ropekv::bench::indexer {

namespace asio = boost::asio;

namespace {

/// Probe values: wall-clock microseconds, strictly increasing within the
/// process, so no two probes of one invocation (runs start seconds apart)
/// share a value. Below 2^53: exact as a JSON number.
uint64_t realtime_us() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
}

}  // namespace

asio::awaitable<void> run_probe(const bench_spec& spec, write_control& ctl, probe_log& log) {
  auto ex = co_await asio::this_coro::executor;
  http_session s(ex, spec.host, spec.port);
  asio::steady_timer pause(ex);
  std::vector<const index_def*> defs;
  for (const auto& name : spec.probe_indexes) defs.push_back(find_index(name));
  log.per_index.resize(defs.size());
  const auto timeout_ns = static_cast<int64_t>(spec.probe_timeout_s * 1e9);
  uint64_t last_value = 0;
  for (uint64_t n = 0; ctl.running(); ++n) {
    const uint64_t value = std::max(last_value + 1, realtime_us());
    last_value = value;
    const size_t which = n % defs.size();
    const index_def& def = *defs[which];
    const std::string key = spec.key_prefix + "probe-" + std::to_string(n);
    auto w = co_await s.call("PUT", "/v1/tables/" + spec.table + "/items/" + key, probe_body(value, spec.value_bytes));
    const int64_t acked = now_ns();
    if (!w.ok()) {
      log.errors.add(acked, ctl.warm_end_ns, "probe write " + key + ": " + w.describe());
      pause.expires_after(std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::use_awaitable);
      continue;
    }
    ++log.probes;
    const std::string target = eq_query_target(spec.table, def.name, probe_eq(def, value));
    const std::string needle = "\"hash_key\":\"" + key + "\"";
    int64_t last_miss_sent = 0;
    bool seen = false;
    for (unsigned poll = 0;; ++poll) {
      const int64_t sent = now_ns();
      auto q = co_await s.call("GET", target);
      const int64_t answered = now_ns();
      ++log.polls;
      log.poll_rtt.record(static_cast<uint64_t>(answered - sent));
      if (!q.ok()) {
        log.errors.add(answered, ctl.warm_end_ns, "probe query " + std::string(def.name) + ": " + q.describe());
      } else if (q.body.find(needle) != std::string::npos) {
        seen = true;
        if (poll == 0) ++log.first_poll_hits;
        // Only probes acknowledged inside the timed window count.
        if (acked >= ctl.warm_end_ns && acked < ctl.deadline_ns) {
          ++log.timed;
          const auto upper = static_cast<uint64_t>(answered - acked);
          log.lag_upper.record(upper);
          log.per_index[which].record(upper);
          log.lag_lower.record(static_cast<uint64_t>(std::max<int64_t>(0, last_miss_sent - acked)));
        }
        break;
      } else {
        last_miss_sent = sent;
      }
      if (answered - acked > timeout_ns) break;
    }
    if (!seen) {
      ++log.never_seen;
      log.errors.add(ctl.warm_end_ns, ctl.warm_end_ns,  // always a failure, also in the warm-up
                     "probe " + key + " (" + std::string(def.name) + ") not seen within " +
                         std::to_string(spec.probe_timeout_s) + " s");
    }
    pause.expires_after(std::chrono::microseconds(static_cast<int64_t>(spec.probe_pause_ms * 1000)));
    co_await pause.async_wait(asio::use_awaitable);
  }
}

}  // namespace ropekv::bench::indexer
