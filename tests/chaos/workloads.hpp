#pragma once
// The chaos suite's workloads: client threads that talk to the routers'
// HTTP API and record every operation in the run's history_log.
//  - register: strong reads, blind writes and compare-and-set (if_version /
//    if=absent) of single-key registers, unique values, keys rotating every
//    few seconds (short per-key histories keep the linearizability search
//    small) — checked by tests/linearizability;
//  - set: elements added as items of a few partitions; at the end every
//    acknowledged element must be there, once, and nothing never written;
//  - bank: transfers between accounts through POST /v1/transact with
//    if_version on both balances (same request_id until the outcome is
//    known), and snapshot reads of every balance in one transaction.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "history_log.hpp"
#include "http_client.hpp"
#include "workload_names.hpp"

namespace ropekv::chaos {


struct workload_env {
  std::vector<std::string> routers;  // router addresses, port router_port
  uint16_t port = 8080;
  history_log* log = nullptr;
  std::atomic<bool>* stop = nullptr;
  uint64_t seed = 1;
  int64_t key_window_ns = 8'000'000'000;  // register keys rotate this often
};

/// One client's connection to a router, moving to the next one when its
/// router does not answer. One thread.
class router_client {
 public:
  router_client(const workload_env& env, unsigned first);
  integration::http_reply request(std::string_view method, const std::string& target, const std::string& body = {});

 private:
  const workload_env& env_;
  unsigned router_;
  std::unique_ptr<integration::http_client> c_;
};

/// The three tables (and the bank's accounts), each writable.
::testing::AssertionResult create_tables(const workload_env& env);

void run_register_client(const workload_env& env, unsigned id);
void run_set_client(const workload_env& env, unsigned id);
void run_bank_client(const workload_env& env, unsigned id);

/// One bank snapshot (all balances in one transaction), recorded.
void record_snapshot(const workload_env& env, router_client& c, const std::string& process);

/// After the run: every set partition read back (process "final"), and
/// the final balances (one snapshot), recorded in the log.
void read_final_state(const workload_env& env);

}  // namespace ropekv::chaos
