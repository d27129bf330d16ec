#include "ropekv/consensus/in_memory_network.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace ropekv::consensus::test {
namespace {

struct inbox {
  std::vector<std::pair<uint64_t, std::string>> got;  // (from, bytes)
};

std::vector<std::string> run(uint64_t seed) {
  in_memory_network net(seed);
  net.set_faults({0.3, 1, 10});
  std::vector<std::string> order;
  net.attach(node_id{2}, [&](node_id, std::string b) { order.push_back(b); });
  auto ep = net.endpoint(node_id{1});
  for (int t = 0; t < 50; ++t) {
    net.set_time(t);
    ep->send(node_id{2}, "n2", std::to_string(t));
    net.deliver(t);
  }
  net.deliver(1000);
  return order;
}

TEST(in_memory_network, same_seed_same_run) {
  auto a = run(5), b = run(5), c = run(6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_LT(a.size(), 50u);  // some dropped
  EXPECT_GT(a.size(), 20u);
}

TEST(in_memory_network, delay_cut_crash) {
  in_memory_network net(1);
  net.set_faults({0.0, 5, 5});
  inbox in2, in3;
  net.attach(node_id{2}, [&](node_id f, std::string b) { in2.got.emplace_back(f.value, b); });
  net.attach(node_id{3}, [&](node_id f, std::string b) { in3.got.emplace_back(f.value, b); });
  auto ep = net.endpoint(node_id{1});
  ep->send(node_id{2}, "n2", "a");
  EXPECT_EQ(net.deliver(4), 0u);  // not due yet
  EXPECT_EQ(net.deliver(5), 1u);
  ASSERT_EQ(in2.got.size(), 1u);
  EXPECT_EQ(in2.got[0].first, 1u);

  net.cut(node_id{1}, node_id{2});
  ep->send(node_id{2}, "n2", "b");
  ep->send(node_id{3}, "n3", "c");
  net.deliver(100);
  EXPECT_EQ(in2.got.size(), 1u);
  EXPECT_EQ(in3.got.size(), 1u);
  net.heal_all();

  ep->send(node_id{3}, "n3", "d");  // in flight when the receiver crashes
  net.crash(node_id{3});
  net.deliver(200);
  EXPECT_EQ(in3.got.size(), 1u);
  net.revive(node_id{3});
  ep->send(node_id{3}, "n3", "e");
  net.deliver(300);
  EXPECT_EQ(in3.got.size(), 2u);
  EXPECT_EQ(net.stats().dropped, 2u);
}

}  // namespace
}  // namespace ropekv::consensus::test
