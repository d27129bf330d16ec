// The lag probe: while the writers load the table, write one item whose
// attribute values exist nowhere else, then poll an eq= query of one index
// for it (no after=) with --probe-pollers connections, one query in flight
// each, their sends spread over a round trip, until it shows; the next probe
// uses the next index. See probe_log for what is recorded.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <algorithm>
#include <ctime>
#include <limits>
#include <memory>

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

/// One probe's sighting, shared by its pollers (all on the probe's thread).
/// The item became visible after the send of every query that missed it
/// and before the answer of any query that found it.
struct sighting {
  std::string target;
  std::string needle;
  int64_t acked_ns = 0;
  int64_t give_up_ns = 0;
  bool seen = false;
  int64_t first_hit_answer_ns = std::numeric_limits<int64_t>::max();
  int64_t last_miss_sent_ns = 0;  // 0: no query missed it
  unsigned running = 0;           // pollers not yet returned
};

/// Polls until the item is seen (by any poller) or the probe times out;
/// then counts itself out of g.running.
asio::awaitable<void> poll(http_session& s, sighting& g, int64_t delay_ns,
                           const write_control& ctl, probe_log& log, double& rtt_estimate_ns, std::string_view index) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  if (delay_ns > 0) {
    timer.expires_after(std::chrono::nanoseconds(delay_ns));
    co_await timer.async_wait(asio::use_awaitable);
  }
  while (!g.seen && now_ns() < g.give_up_ns) {
    const int64_t sent = now_ns();
    auto q = co_await s.call("GET", g.target);
    const int64_t answered = now_ns();
    ++log.polls;
    log.poll_rtt.record(static_cast<uint64_t>(answered - sent));
    rtt_estimate_ns = 0.8 * rtt_estimate_ns + 0.2 * static_cast<double>(answered - sent);
    if (!q.ok()) {
      log.errors.add(answered, ctl.warm_end_ns, "probe query " + std::string(index) + ": " + q.describe());
      if (!q.error.empty()) {  // no connection: do not spin
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
      }
    } else if (q.body.find(g.needle) != std::string::npos) {
      g.seen = true;
      g.first_hit_answer_ns = std::min(g.first_hit_answer_ns, answered);
    } else {
      g.last_miss_sent_ns = std::max(g.last_miss_sent_ns, sent);
    }
  }
  --g.running;
}

}  // namespace

asio::awaitable<void> run_probe(const bench_spec& spec, write_control& ctl, probe_log& log) {
  auto ex = co_await asio::this_coro::executor;
  std::vector<std::unique_ptr<http_session>> sessions;
  for (unsigned i = 0; i < spec.probe_pollers; ++i)
    sessions.push_back(std::make_unique<http_session>(ex, spec.host, spec.port));
  asio::steady_timer pause(ex), done(ex);
  std::vector<const index_def*> defs;
  for (const auto& name : spec.probe_indexes) defs.push_back(find_index(name));
  log.per_index.resize(defs.size());
  const auto timeout_ns = static_cast<int64_t>(spec.probe_timeout_s * 1e9);
  double rtt_estimate_ns = 0;  // of one query, to spread the pollers' sends over it
  uint64_t last_value = 0;
  for (uint64_t n = 0; ctl.running(); ++n) {
    const uint64_t value = std::max(last_value + 1, realtime_us());
    last_value = value;
    const size_t which = n % defs.size();
    const index_def& def = *defs[which];
    const std::string key = spec.key_prefix + "probe-" + std::to_string(n);
    auto w = co_await sessions[0]->call("PUT", "/v1/tables/" + spec.table + "/items/" + key,
                                        probe_body(value, spec.value_bytes));
    const int64_t acked = now_ns();
    if (!w.ok()) {
      log.errors.add(acked, ctl.warm_end_ns, "probe write " + key + ": " + w.describe());
      pause.expires_after(std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::use_awaitable);
      continue;
    }
    ++log.probes;
    sighting g;
    g.target = eq_query_target(spec.table, def.name, probe_eq(def, value));
    g.needle = "\"hash_key\":\"" + key + "\"";
    g.acked_ns = acked;
    g.give_up_ns = acked + timeout_ns;
    // The pollers start spread over one query round trip, so that some
    // query is sent every rtt / pollers while the item is not yet seen.
    const double spread = rtt_estimate_ns / spec.probe_pollers;
    g.running = spec.probe_pollers;
    for (unsigned i = 0; i < spec.probe_pollers; ++i)
      asio::co_spawn(ex, poll(*sessions[i], g, static_cast<int64_t>(spread * i), ctl, log, rtt_estimate_ns, def.name),
                     asio::detached);
    // Checked every 2 ms rather than woken by the last poller: a cancelled
    // wait with redirect_error here sets off a false GCC 12
    // -Wmismatched-new-delete. The probe's figures do not depend on it.
    while (g.running > 0) {
      done.expires_after(std::chrono::milliseconds(2));
      co_await done.async_wait(asio::use_awaitable);
    }
    if (!g.seen) {
      ++log.never_seen;
      log.errors.add(ctl.warm_end_ns, ctl.warm_end_ns,  // always a failure, also in the warm-up
                     "probe " + key + " (" + std::string(def.name) + ") not seen within " +
                         std::to_string(spec.probe_timeout_s) + " s");
    } else {
      // Only probes acknowledged inside the timed window count.
      if (acked >= ctl.warm_end_ns && acked < ctl.deadline_ns) {
        ++log.timed;
        if (g.last_miss_sent_ns == 0) ++log.never_missed;
        const int64_t upper = std::max<int64_t>(0, g.first_hit_answer_ns - acked);
        const int64_t lower = std::clamp<int64_t>(g.last_miss_sent_ns - acked, 0, upper);
        log.lag_upper.record(static_cast<uint64_t>(upper));
        log.lag_lower.record(static_cast<uint64_t>(lower));
        log.per_index[which].record(static_cast<uint64_t>(upper));
      }
    }
    pause.expires_after(std::chrono::microseconds(static_cast<int64_t>(spec.probe_pause_ms * 1000)));
    co_await pause.async_wait(asio::use_awaitable);
  }
}

}  // namespace ropekv::bench::indexer
