// Set clients: element "e<client>-<n>" added as item (s<k>, e<client>-<n>)
// of chaos_set (hash key s, range key e); the final read pages through each
// partition with strong reads.
#include <random>
#include <thread>

#include "workloads.hpp"

namespace ropekv::chaos {

using namespace std::chrono_literals;

void run_set_client(const workload_env& env, unsigned id) {
  std::mt19937_64 rng(env.seed * 2000 + id);
  router_client c(env, id);
  const std::string process = "set-" + std::to_string(id);
  for (uint64_t n = 0; !env.stop->load(); ++n) {
    op_record r;
    r.process = process;
    r.workload = "set";
    r.op = "add";
    r.key = "s" + std::to_string(rng() % set_keys);
    r.value = "e" + std::to_string(id) + "-" + std::to_string(n);
    r.start_ns = env.log->now_ns();
    auto reply = c.request("PUT", std::string("/v1/tables/") + set_table + "/items/" + r.key + "/" + r.value,
                           "{\"n\":" + std::to_string(n) + "}");
    r.end_ns = env.log->now_ns();
    r.status = reply.status;
    r.error = reply.error_code();
    r.result = reply.status == 200 ? outcome::ok : outcome::info;
    env.log->add(std::move(r));
    std::this_thread::sleep_for(std::chrono::milliseconds(10 + rng() % 20));
  }
}

}  // namespace ropekv::chaos
