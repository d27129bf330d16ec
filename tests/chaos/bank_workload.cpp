// Bank clients: a transfer reads two balances in one transaction of gets,
// then writes both in one transaction with if_version on each, under one
// request_id sent again until the answer tells the outcome (bounded); a
// snapshot reads every balance in one transaction of gets. The checker
// wants every snapshot to total bank_accounts * bank_initial.
#include <random>
#include <thread>

#include "txn_support.hpp"
#include "workloads.hpp"

namespace ropekv::chaos {
namespace {

using namespace std::chrono_literals;
using integration::txn::op;

std::string account(int i) { return "acct-" + std::to_string(i); }

struct balance {
  long amount = 0;
  uint64_t version = 0;
};

/// Balances of `which` in one transaction of gets; empty unless 200.
std::vector<balance> read_balances(router_client& c, const std::vector<int>& which, integration::http_reply& reply) {
  std::vector<std::string> ops;
  for (int i : which) ops.push_back(op("get", bank_table, account(i)));
  reply = c.request("POST", "/v1/transact", integration::txn::body(ops));
  std::vector<balance> out;
  if (reply.status != 200) return out;
  auto d = reply.json();
  for (size_t j = 0; j < which.size(); ++j) {
    const auto& it = d["ops"][static_cast<rapidjson::SizeType>(j)]["item"];
    if (!it.IsObject()) return {};
    out.push_back({it["item"]["balance"].GetInt64(), it["version"].GetUint64()});
  }
  return out;
}

std::string balances_json(const std::vector<balance>& b) {
  std::string s = "[";
  for (size_t i = 0; i < b.size(); ++i) s += (i ? "," : "") + std::to_string(b[i].amount);
  return s + "]";
}

}  // namespace

void record_snapshot(const workload_env& env, router_client& c, const std::string& process) {
  std::vector<int> all;
  for (int i = 0; i < bank_accounts; ++i) all.push_back(i);
  op_record r;
  r.process = process;
  r.workload = "bank";
  r.op = "snapshot";
  integration::http_reply reply;
  r.start_ns = env.log->now_ns();
  auto b = read_balances(c, all, reply);
  r.end_ns = env.log->now_ns();
  r.status = reply.status;
  r.error = reply.error_code();
  r.result = b.size() == all.size() ? outcome::ok : outcome::fail;
  if (r.result == outcome::ok) r.result_json = "{\"balances\":" + balances_json(b) + "}";
  env.log->add(std::move(r));
}

void run_bank_client(const workload_env& env, unsigned id) {
  std::mt19937_64 rng(env.seed * 3000 + id);
  router_client c(env, id);
  integration::txn::request_ids ids("chaos-bank-" + std::to_string(id));
  const std::string process = "bank-" + std::to_string(id);
  while (!env.stop->load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 30));
    if (rng() % 4 == 0) {
      record_snapshot(env, c, process);
      continue;
    }
    int from = static_cast<int>(rng() % bank_accounts), to = static_cast<int>(rng() % (bank_accounts - 1));
    if (to >= from) ++to;
    integration::http_reply reply;
    auto b = read_balances(c, {from, to}, reply);
    if (b.size() != 2) continue;  // a read that failed changed nothing
    long amount = static_cast<long>(rng() % 5) + 1;
    if (b[0].amount < amount) continue;
    op_record r;
    r.process = process;
    r.workload = "bank";
    r.op = "transfer";
    r.key = account(from) + "->" + account(to);
    r.value = std::to_string(amount);
    std::string rid = ids.next();
    r.args_json = "{\"from\":" + std::to_string(from) + ",\"to\":" + std::to_string(to) +
                  ",\"amount\":" + std::to_string(amount) + ",\"request_id\":" + json_string(rid) + "}";
    std::string body = integration::txn::body(
        {op("put", bank_table, account(from),
            "\"item\":{\"balance\":" + std::to_string(b[0].amount - amount) +
                "},\"if_version\":" + std::to_string(b[0].version)),
         op("put", bank_table, account(to),
            "\"item\":{\"balance\":" + std::to_string(b[1].amount + amount) +
                "},\"if_version\":" + std::to_string(b[1].version))},
        rid);
    r.start_ns = env.log->now_ns();
    r.result = outcome::info;
    // The same request_id until the answer tells the outcome (a retry never applies twice).
    for (int attempt = 0; attempt < 8 && !env.stop->load(); ++attempt) {
      reply = c.request("POST", "/v1/transact", body);
      r.status = reply.status;
      r.error = reply.error_code();
      if (reply.status == 200) {
        r.result = outcome::ok;
        break;
      }
      if (reply.status == 409 && r.error == "transaction_canceled") {
        r.result = outcome::fail;
        break;
      }
      if (reply.status == 409 && r.error == "conflict" && attempt == 0) {
        r.result = outcome::fail;  // a first attempt's conflict: nothing of it commits later
        break;
      }
      if (reply.status != 0 && reply.status < 500 && reply.status != 409) break;  // unexpected: stays info
      std::this_thread::sleep_for(200ms);
    }
    r.end_ns = env.log->now_ns();
    env.log->add(std::move(r));
  }
}

}  // namespace ropekv::chaos
