// The workloads' tables, created through a router and each proven writable
// (a probe write per key until every one succeeds), and the final reads.
#include <chrono>
#include <thread>

#include "workloads.hpp"

namespace ropekv::chaos {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

bool put_until_ok(router_client& c, const std::string& target, const std::string& body, steady::time_point deadline) {
  for (;;) {
    if (c.request("PUT", target, body).status == 200) return true;
    if (steady::now() > deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
}

}  // namespace

::testing::AssertionResult create_tables(const workload_env& env) {
  router_client c(env, 0);
  const auto deadline = steady::now() + 90s;
  struct spec {
    const char* name;
    const char* body;
  };
  for (auto [name, body] : {spec{register_table, R"({"hash_key":"k","segments":3})"},
                            spec{set_table, R"({"hash_key":"s","range_key":"e","segments":2})"},
                            spec{bank_table, R"({"hash_key":"a","segments":2})"}}) {
    for (;;) {
      auto r = c.request("PUT", std::string("/v1/tables/") + name, body);
      if (r.status == 201 || (r.status == 409 && r.error_code() == "already_exists")) break;
      if (steady::now() > deadline)
        return ::testing::AssertionFailure() << "PUT table " << name << ": " << r.status << ' ' << r.body;
      std::this_thread::sleep_for(300ms);
    }
  }
  for (int i = 0; i < 12; ++i) {
    std::string k = "probe-" + std::to_string(i);
    if (!put_until_ok(c, std::string("/v1/tables/") + register_table + "/items/" + k, R"({"v":"probe"})", deadline) ||
        !put_until_ok(c, std::string("/v1/tables/") + set_table + "/items/" + k + "/p", "{}", deadline))
      return ::testing::AssertionFailure() << "tables take no write at " << k;
  }
  for (int i = 0; i < bank_accounts; ++i)
    if (!put_until_ok(c, std::string("/v1/tables/") + bank_table + "/items/acct-" + std::to_string(i),
                      "{\"balance\":" + std::to_string(bank_initial) + "}", deadline))
      return ::testing::AssertionFailure() << "bank account " << i << " not written";
  return ::testing::AssertionSuccess();
}

void read_final_state(const workload_env& env) {
  router_client c(env, 0);
  const auto deadline = steady::now() + 60s;
  for (int k = 0; k < set_keys; ++k) {
    op_record r;
    r.process = "final";
    r.workload = "set";
    r.op = "read";
    r.key = "s" + std::to_string(k);
    r.start_ns = env.log->now_ns();
    std::string elements, cursor;
    for (;;) {
      std::string target = std::string("/v1/tables/") + set_table + "/items/" + r.key +
                           "?consistency=strong&limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor);
      auto reply = c.request("GET", target);
      r.status = reply.status;
      r.error = reply.error_code();
      if (reply.status != 200) {
        if (steady::now() > deadline) break;
        std::this_thread::sleep_for(300ms);
        continue;  // the page again (a cursor stays valid)
      }
      auto d = reply.json();
      for (const auto& it : d["items"].GetArray())
        elements += (elements.empty() ? "" : ",") + json_string(it["range_key"].GetString());
      if (!d.HasMember("cursor")) {
        r.result = outcome::ok;
        break;
      }
      cursor = integration::url_escape(d["cursor"].GetString());
    }
    r.end_ns = env.log->now_ns();
    if (r.result == outcome::ok) r.result_json = "{\"elements\":[" + elements + "]}";
    else r.result = outcome::fail;
    env.log->add(std::move(r));
  }
  // The last snapshot of the balances, retried until one gets through.
  for (int attempt = 0; attempt < 100 && steady::now() < deadline; ++attempt) {
    size_t before = env.log->records().size();
    record_snapshot(env, c, "final");
    auto recs = env.log->records();
    if (recs.size() > before && recs.back().result == outcome::ok) break;
    std::this_thread::sleep_for(300ms);
  }
}

}  // namespace ropekv::chaos
