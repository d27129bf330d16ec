#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ropekv/linearizability/checker.hpp"
#include "ropekv/linearizability/history_recorder.hpp"

namespace ropekv::lin {
namespace {

TEST(history_recorder, stamps_invoke_and_return_with_the_clock) {
  int64_t now = 0;
  history_recorder rec([&now] { return now += 10; });
  auto a = rec.invoke(client_id{1}, "k", put("a"));
  auto b = rec.invoke(client_id{2}, "k", get());
  rec.complete(a, write_ok());
  auto c = rec.invoke(client_id{3}, "k", put("c"));
  auto d = rec.invoke(client_id{4}, "k", put("d"));
  rec.complete_unknown(c);
  rec.discard(d);
  // b is never completed: it stays with an unknown outcome.

  const auto h = rec.history();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].invoke_time, 10);
  EXPECT_EQ(h[0].return_time, 30);
  ASSERT_TRUE(h[0].outcome_known());
  EXPECT_TRUE(h[0].output->applied);
  EXPECT_EQ(h[1].client.value, 2u);
  EXPECT_FALSE(h[1].outcome_known());
  EXPECT_EQ(h[1].return_time, unknown_return);
  EXPECT_EQ(h[2].input.value, "c");
  EXPECT_FALSE(h[2].outcome_known());
  (void)b;
}

TEST(history_recorder, concurrent_clients_on_a_locked_map_are_linearizable) {
  // A real concurrent execution: the mutex makes the map linearizable, so the
  // recorded history (steady clock, real threads) must be accepted.
  history_recorder rec;
  std::mutex store_mutex;
  std::map<std::string, std::string> store;
  std::vector<std::thread> clients;
  for (uint64_t c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 200; ++i) {
        const std::string key = "k" + std::to_string(i % 3);
        if (i % 2 == 0) {
          const std::string v = std::to_string(c) + "-" + std::to_string(i);
          auto h = rec.invoke(client_id{c}, key, put(v));
          {
            std::lock_guard lock(store_mutex);
            store[key] = v;
          }
          rec.complete(h, write_ok());
        } else {
          auto h = rec.invoke(client_id{c}, key, get());
          std::optional<std::string> seen;
          {
            std::lock_guard lock(store_mutex);
            if (auto it = store.find(key); it != store.end()) seen = it->second;
          }
          rec.complete(h, seen ? read_value(*seen) : read_absent());
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  const auto h = rec.history();
  ASSERT_EQ(h.size(), 800u);
  const check_result r = check_history(h);
  EXPECT_EQ(r.outcome, verdict::linearizable) << r.explanation;
}

}  // namespace
}  // namespace ropekv::lin
