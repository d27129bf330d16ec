// drain_progress: reading a node's drain state from GET /v1/cluster JSON
// and the lines, bar and JSON events drawn from it.
#include <gtest/gtest.h>

#include "drain_progress.hpp"

namespace ropekv::ctl {
namespace {

json_value parse(const std::string& text) {
  auto v = json_value::parse(text);
  EXPECT_TRUE(v) << text;
  return v ? *v : json_value();
}

// Four nodes, node 2 draining with 3 replicas left and two moves off it
// (one of them to a node that already has it as a target), one balance
// move between others.
const char* cluster_json = R"({
  "rope_version":7,
  "nodes":[{"id":1,"alive":true,"draining":false},{"id":2,"alive":true,"draining":true},
           {"id":3,"alive":true,"draining":false},{"id":4,"alive":false,"draining":false}],
  "segments":[{"id":10,"replicas":[1,2,3],"leader_hint":2},{"id":11,"replicas":[2,3,4],"leader_hint":3}],
  "moves":[{"segment":10,"from_node":2,"to_node":4,"kind":"drain","state":"ordered","age_ms":350},
           {"segment":11,"from_node":2,"to_node":1,"kind":"drain","state":"target_hosting","age_ms":1420},
           {"segment":12,"from_node":3,"to_node":1,"kind":"balance","state":"ordered","age_ms":9000}],
  "node_loads":[{"id":1,"replicas":5,"leaders":2},{"id":2,"draining":true,"replicas":3,"leaders":1},
                {"id":3,"replicas":4,"leaders":2}]
})";

TEST(drain_progress, reads_replicas_leaders_and_moves_off_the_node) {
  auto p = read_drain_progress(parse(cluster_json), 2);
  EXPECT_TRUE(p.known);
  EXPECT_TRUE(p.draining);
  EXPECT_TRUE(p.alive);
  EXPECT_EQ(p.replicas, 3u);  // node_loads, not the two segments listed
  EXPECT_EQ(p.leaders, 1u);
  EXPECT_EQ(p.moves_out, 2u);  // the balance move is another node's
  EXPECT_EQ(p.oldest_move_ms, 1420u);
  EXPECT_FALSE(is_drained(p));

  auto other = read_drain_progress(parse(cluster_json), 3);
  EXPECT_FALSE(other.draining);
  EXPECT_EQ(other.moves_out, 1u);
  auto dead = read_drain_progress(parse(cluster_json), 4);
  EXPECT_TRUE(dead.known);
  EXPECT_FALSE(dead.alive);
  EXPECT_EQ(dead.replicas, 1u);  // node_loads has no entry: counted in segments
  EXPECT_EQ(read_drain_progress(parse(R"({"nodes":[],"segments":[{"replicas":[4,4]}]})"), 4).known, false);
}

TEST(drain_progress, without_node_loads_counts_segments) {
  auto p = read_drain_progress(
      parse(R"({"nodes":[{"id":2,"draining":true,"alive":true}],"segments":[{"replicas":[1,2],"leader_hint":2},)"
            R"({"replicas":[2]},{"replicas":[3],"leader_hint":3},{"replicas":"odd"}],"moves":"odd"})"),
      2);
  EXPECT_TRUE(p.known);
  EXPECT_EQ(p.replicas, 2u);
  EXPECT_EQ(p.leaders, 1u);
  EXPECT_EQ(p.moves_out, 0u);
}

TEST(drain_progress, drained_means_no_replica_and_no_move_off_the_node) {
  // The last replica already left the count, but its move is still in flight.
  auto p = read_drain_progress(
      parse(R"({"nodes":[{"id":2,"draining":true}],"node_loads":[{"id":2,"replicas":0}],)"
            R"("moves":[{"from_node":2,"to_node":3,"age_ms":10}]})"),
      2);
  EXPECT_FALSE(is_drained(p));
  drain_snapshot s{p, 6, 2.0};
  EXPECT_EQ(drain_percent(s), 99u);  // held below 100 until drained
  p.moves_out = 0;
  EXPECT_TRUE(is_drained(p));
  EXPECT_EQ(drain_percent(drain_snapshot{p, 6, 2.0}), 100u);
  EXPECT_EQ(drain_percent(drain_snapshot{p, 0, 0.1}), 100u);  // nothing to move
  drain_progress unknown;
  EXPECT_FALSE(is_drained(unknown));
}

TEST(drain_progress, percent_is_of_the_initial_count_and_floored) {
  drain_progress p;
  p.known = true;
  p.node = 2;
  p.replicas = 2;
  EXPECT_EQ(drain_percent(drain_snapshot{p, 3, 0}), 33u);
  p.replicas = 5;
  EXPECT_EQ(drain_percent(drain_snapshot{p, 5, 0}), 0u);
  EXPECT_EQ(drain_percent(drain_snapshot{p, 0, 0}), 0u);
}

TEST(drain_progress, tracker_keeps_the_most_replicas_seen) {
  drain_tracker t(4);
  drain_progress p;
  p.replicas = 3;
  EXPECT_EQ(t.observe(p, 1).initial, 4u);
  p.replicas = 6;  // a replica placed before the drain started showed up late
  EXPECT_EQ(t.observe(p, 2).initial, 6u);
  p.replicas = 1;
  auto s = t.observe(p, 3.5);
  EXPECT_EQ(s.initial, 6u);
  EXPECT_EQ(s.seconds, 3.5);
}

TEST(drain_progress, line_shows_bar_counts_moves_and_elapsed) {
  auto p = read_drain_progress(parse(cluster_json), 2);
  EXPECT_EQ(format_drain(drain_snapshot{p, 6, 4.07}),
            "drain node 2  [############------------]   50%  3/6 moved, 3 left  2 moves in flight (oldest 1.4s)  4.0s");
  p.replicas = 0;
  p.moves_out = 0;
  EXPECT_EQ(format_drain(drain_snapshot{p, 6, 125}),
            "drain node 2  [########################]  100%  6/6 moved, 0 left  0 moves in flight  2m05s");
  p.alive = false;
  p.replicas = 1;
  p.moves_out = 1;
  p.oldest_move_ms = 61000;
  EXPECT_EQ(format_drain(drain_snapshot{p, 1, 12.9}),
            "drain node 2  [------------------------]    0%  0/1 moved, 1 left  1 move in flight (oldest 1m01s)"
            "  node not alive  12s");
}

TEST(drain_progress, elapsed_time) {
  EXPECT_EQ(format_elapsed(0), "0.0s");
  EXPECT_EQ(format_elapsed(0.46), "0.4s");
  EXPECT_EQ(format_elapsed(9.99), "9.9s");
  EXPECT_EQ(format_elapsed(59.9), "59s");
  EXPECT_EQ(format_elapsed(600), "10m00s");
  EXPECT_EQ(format_elapsed(3725), "1h02m");
  EXPECT_EQ(format_elapsed(-1), "0.0s");
}

TEST(drain_progress, json_event) {
  auto p = read_drain_progress(parse(cluster_json), 2);
  EXPECT_EQ(drain_event_json(drain_snapshot{p, 6, 1.23456}, "progress"),
            R"({"event":"progress","node":2,"draining":true,"replicas":3,"initial_replicas":6,"moved":3,)"
            R"("leaders":1,"moves_in_flight":2,"oldest_move_ms":1420,"percent":50,"seconds":1.235})");
}

TEST(drain_progress, terminal_redraws_in_place_each_poll) {
  drain_display d(drain_display::mode::terminal);
  drain_progress p;
  p.known = p.draining = p.alive = true;
  p.node = 1;
  p.replicas = 2;
  p.moves_out = 1;
  p.oldest_move_ms = 10000;
  std::string first = d.update(drain_snapshot{p, 2, 0.5});
  EXPECT_EQ(first.front(), '\r');
  std::string same = d.update(drain_snapshot{p, 2, 0.75});  // same counts: the clock still moves
  EXPECT_EQ(same, "\r" + format_drain(drain_snapshot{p, 2, 0.75}));
  p.replicas = 0;
  p.moves_out = 0;
  std::string last = d.update(drain_snapshot{p, 2, 1.0});
  std::string line = format_drain(drain_snapshot{p, 2, 1.0});
  ASSERT_LT(line.size(), first.size() - 1);  // the shorter line blanks the rest of the longer one
  EXPECT_EQ(last, "\r" + line + std::string(first.size() - 1 - line.size(), ' '));
  EXPECT_EQ(d.finish(), "\n");
  EXPECT_EQ(d.finish(), "");
}

TEST(drain_progress, lines_and_json_only_on_change) {
  for (auto m : {drain_display::mode::lines, drain_display::mode::json}) {
    drain_display d(m);
    drain_progress p;
    p.known = p.draining = true;
    p.node = 3;
    p.replicas = 2;
    std::string first = d.update(drain_snapshot{p, 2, 0});
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(first.back(), '\n');
    EXPECT_EQ(first.find('\r'), std::string::npos);
    EXPECT_EQ(first.front() == '{', m == drain_display::mode::json);
    EXPECT_EQ(d.update(drain_snapshot{p, 2, 5}), "");  // only time passed
    p.moves_out = 1;
    EXPECT_NE(d.update(drain_snapshot{p, 2, 6}), "");
    p.replicas = 1;
    EXPECT_NE(d.update(drain_snapshot{p, 2, 7}), "");
    EXPECT_EQ(d.finish(), "");
  }
}

}  // namespace
}  // namespace ropekv::ctl
