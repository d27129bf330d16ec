// The backfill control: after the baseline window, create an index on the
// populated table and sample GET /v1/tables/{t}/indexes/{name} until it is
// active; then stop the writers.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <rapidjson/document.h>

#include "http_session.hpp"
#include "index_bench.hpp"
#include "item_shape.hpp"

namespace ropekv::bench::indexer {

namespace asio = boost::asio;

namespace {

uint64_t uint_field(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

double number_field(const rapidjson::Value& obj, const char* name) {
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble() : 0;
}

}  // namespace

asio::awaitable<void> run_backfill(const bench_spec& spec, write_control& ctl, backfill_log& log) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  const int64_t baseline_end = ctl.warm_end_ns + static_cast<int64_t>(spec.duration_s * 1e9);
  if (baseline_end > now_ns()) {
    timer.expires_after(std::chrono::nanoseconds(baseline_end - now_ns()));
    co_await timer.async_wait(asio::use_awaitable);
  }
  http_session s(ex, spec.host, spec.port);
  const index_def* def = find_index(spec.index);
  const std::string path = "/v1/tables/" + spec.backfill_table + "/indexes/" + spec.index_name;
  log.put_sent_ns = now_ns();
  auto created = co_await s.call("PUT", path, index_spec_body(*def, spec.projection));
  log.created_ns = now_ns();
  log.put_status = created.status;
  if (created.status != 201 && created.status != 200) {
    log.failure = "creating index " + spec.index_name + ": " + created.describe();
    ctl.stop = true;
    co_return;
  }
  const auto timeout_ns = static_cast<int64_t>(spec.backfill_timeout_s * 1e9);
  for (;;) {
    auto a = co_await s.call("GET", path);
    const int64_t t = now_ns();
    progress_sample p;
    p.t_s = static_cast<double>(t - log.created_ns) / 1e9;
    if (!a.ok()) {
      log.errors.add(t, ctl.warm_end_ns, "GET " + path + ": " + a.describe());
    } else {
      rapidjson::Document d;
      d.Parse(a.body.c_str());
      if (d.HasParseError() || !d.IsObject() || !d.HasMember("state") || !d["state"].IsString()) {
        log.errors.add(t, ctl.warm_end_ns, "GET " + path + ": malformed answer " + a.body.substr(0, 200));
      } else {
        p.state = d["state"].GetString();
        if (auto b = d.FindMember("backfill"); b != d.MemberEnd() && b->value.IsObject()) {
          p.items_done = uint_field(b->value, "items_done");
          p.items_estimated = uint_field(b->value, "items_estimated");
          p.items_per_s = number_field(b->value, "items_per_s");
        }
      }
    }
    log.samples.push_back(p);
    if (p.state == "backfilling") log.last_backfilling_ns = t;
    if (p.state == "active") {
      log.active_ns = t;
      break;
    }
    if (t - log.created_ns > timeout_ns) {
      log.failure = "index " + spec.index_name + " not active within " + std::to_string(spec.backfill_timeout_s) + " s";
      break;
    }
    timer.expires_after(std::chrono::microseconds(static_cast<int64_t>(spec.sample_ms * 1000)));
    co_await timer.async_wait(asio::use_awaitable);
  }
  ctl.stop = true;
}

}  // namespace ropekv::bench::indexer
