// The load side: closed-loop PUTs of fresh keys (put, backfill modes) and
// the preload of a table through POST /batch.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http_session.hpp"
#include "index_bench.hpp"
#include "item_shape.hpp"

namespace ropekv::bench::indexer {

namespace asio = boost::asio;

asio::awaitable<void> run_writer(const bench_spec& spec, write_control& ctl, write_log& log) {
  http_session s(co_await asio::this_coro::executor, spec.host, spec.port);
  const std::string path = "/v1/tables/" + spec.table + "/items/" + spec.key_prefix;
  int consecutive_failures = 0;
  while (ctl.running()) {
    const uint64_t seq = ctl.next_seq.fetch_add(1, std::memory_order_relaxed);
    const std::string body = item_body(spec.key_prefix, seq, spec.value_bytes);
    const int64_t t0 = now_ns();
    auto a = co_await s.call("PUT", path + std::to_string(seq), body);
    const int64_t t1 = now_ns();
    if (!a.ok()) {
      log.errors.add(t1, ctl.warm_end_ns, "write " + spec.key_prefix + std::to_string(seq) + ": " + a.describe());
      if (!a.error.empty() && ++consecutive_failures > 3) co_return;
      continue;
    }
    consecutive_failures = 0;
    log.samples.push_back({t1, t1 - t0});
  }
}

asio::awaitable<void> run_preload(const bench_spec& spec, write_control& ctl, write_log& log) {
  http_session s(co_await asio::this_coro::executor, spec.host, spec.port);
  const std::string path = "/v1/tables/" + spec.table + "/batch";
  const uint64_t batches = (spec.items + spec.batch - 1) / spec.batch;
  int consecutive_failures = 0;
  for (;;) {
    const uint64_t b = ctl.next_seq.fetch_add(1, std::memory_order_relaxed);
    if (b >= batches) break;
    const uint64_t first = b * spec.batch, end = std::min<uint64_t>(spec.items, first + spec.batch);
    std::string body = "{\"ops\":[";
    for (uint64_t i = first; i < end; ++i) {
      if (i > first) body += ',';
      body += "{\"op\":\"put\",\"hash_key\":\"k" + std::to_string(i) + "\",\"item\":";
      body += item_body("", i, spec.value_bytes);
      body += '}';
    }
    body += "]}";
    // A batch runs its ops independently: retry the whole batch (puts are
    // idempotent) until every op answered 2xx, a few times at most.
    for (int attempt = 1;; ++attempt) {
      const int64_t t0 = now_ns();
      auto a = co_await s.call("POST", path, body);
      const int64_t t1 = now_ns();
      if (a.ok() && a.body.find("\"error\"") == std::string::npos) {
        consecutive_failures = 0;
        for (uint64_t i = first; i < end; ++i) log.samples.push_back({t1, t1 - t0});
        break;
      }
      // Preload errors count as timed: every item must land.
      if (attempt >= 5) {
        log.errors.add(t1, ctl.warm_end_ns, "batch from k" + std::to_string(first) + ": " + a.describe());
        if (++consecutive_failures > 3) co_return;
        break;
      }
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::milliseconds(100 * attempt));
      co_await t.async_wait(asio::use_awaitable);
    }
  }
}

}  // namespace ropekv::bench::indexer
