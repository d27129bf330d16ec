// The load side of ropekv-txn-bench: one closed-loop connection (PUTs or
// transactions), and the read-back of what was acknowledged.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/this_coro.hpp>

#include <algorithm>

#include "http_session.hpp"
#include "txn_bench.hpp"

namespace ropekv::bench::transact {

namespace asio = boost::asio;
using indexer::http_session;

namespace {

std::string put_path(const bench_spec& spec, const std::string& key) {
  return "/v1/tables/" + spec.table + "/items/" + key;  // bench keys need no escaping
}

// The last writes of this connection: its share of spec.verify, at least one.
void keep(const bench_spec& spec, conn_log& log, written w) {
  if (spec.verify == 0) return;
  log.recent.push_back(std::move(w));
  if (log.recent.size() > std::max(1u, spec.verify / spec.connections)) log.recent.pop_front();
}

}  // namespace

asio::awaitable<void> run_connection(const bench_spec& spec, const segment_map& map, run_control& ctl,
                                     unsigned index, conn_log& log) {
  http_session s(co_await asio::this_coro::executor, spec.host, spec.port);
  const std::string prefix = spec.key_prefix + std::to_string(index) + "-";
  key_source keys(map, prefix, spec.key_space, 0x7e57ULL + index * 7919ULL);
  const std::string item = item_body(spec.value_bytes);
  uint64_t n = 0;
  int consecutive_failures = 0;
  std::vector<std::string> hash_keys;
  std::string body;
  while (now_ns() < ctl.deadline_ns) {
    hash_keys.clear();
    if (spec.mode == "put") {
      hash_keys.push_back(spec.key_space ? "k" + std::to_string(n++ % spec.key_space) : prefix + std::to_string(n++));
    } else {
      const auto segs = segments_for(ctl.next_txn++, spec.span, map.size());
      for (unsigned i = 0; i < spec.ops; ++i) {
        std::string k = keys.key_in(segs[i % segs.size()]);
        // Random keys: a transaction touches each item once (the router refuses duplicates).
        for (int again = 0; again < 100 && std::find(hash_keys.begin(), hash_keys.end(), k) != hash_keys.end(); ++again)
          k = keys.key_in(segs[i % segs.size()]);
        if (k.empty()) {
          log.error(now_ns(), ctl.warm_end_ns, "no hash key lands on segment " + std::to_string(segs[i % segs.size()]));
          co_return;
        }
        hash_keys.push_back(std::move(k));
      }
      body = txn_body(spec.table, hash_keys, item,
                      spec.request_ids ? prefix + "r" + std::to_string(n++) : std::string());
    }
    const int64_t t0 = now_ns();
    // One co_await per statement: GCC 12 destroys the result of a co_await
    // inside ?: twice.
    indexer::http_answer a;
    if (spec.mode == "put") a = co_await s.call("PUT", put_path(spec, hash_keys[0]), item);
    else a = co_await s.call("POST", "/v1/transact", body);
    const int64_t t1 = now_ns();
    written w;
    std::string problem;
    if (!a.error.empty()) {
      problem = a.describe();
    } else if (spec.mode == "put") {
      auto v = put_version(a.status, a.body);
      if (!v) problem = "not a 2xx with a version: " + a.describe();
      else w.versions.push_back(*v);
    } else {
      auto c = check_txn_answer(a.status, a.body, spec.ops, spec.table);
      if (!c.answer) problem = c.problem;
      else {
        w.versions = std::move(c.answer->op_versions);
        log.ops_without_version += c.answer->ops_without_version;
      }
    }
    if (!problem.empty()) {
      log.error(t0, ctl.warm_end_ns, (spec.mode == "put" ? "put " : "txn ") + hash_keys[0] + ": " + problem);
      if (!a.error.empty() && ++consecutive_failures > 3) co_return;
      continue;
    }
    consecutive_failures = 0;
    if (t0 < ctl.warm_end_ns) {
      ++log.warmup_requests;
    } else if (t1 <= ctl.deadline_ns) {
      ++log.requests;
      log.latency.record(static_cast<uint64_t>(t1 - t0));
    }
    w.hash_keys = hash_keys;
    keep(spec, log, std::move(w));
  }
  log.keys_tried = keys.tried();
}

asio::awaitable<void> run_verify(const bench_spec& spec, std::vector<conn_log>& logs, verify_log& out) {
  http_session s(co_await asio::this_coro::executor, spec.host, spec.port);
  for (auto& log : logs) {
    for (const auto& w : log.recent) {
      for (size_t i = 0; i < w.hash_keys.size(); ++i) {
        ++out.items;
        // Strong read (the router's default): a transaction's secondaries may
        // still be applying in the background; the read must see it committed.
        auto a = co_await s.call("GET", put_path(spec, w.hash_keys[i]) + "?consistency=strong");
        auto v = item_version(a.status, a.body);
        if (v && i < w.versions.size() && *v == w.versions[i]) {
          ++out.ok;
        } else if (out.problems.size() < 3) {
          out.problems.push_back("read-back of " + w.hash_keys[i] + ": expected version " +
                                 (i < w.versions.size() ? std::to_string(w.versions[i]) : "?") + ", got " +
                                 a.describe());
        }
      }
    }
  }
}

}  // namespace ropekv::bench::transact
