// The `index create --wait` progress line and when it is written, for a
// terminal (redrawn in place) and for a pipe (a line per change).
#include <gtest/gtest.h>

#include "index_progress.hpp"

namespace ropekv::ctl {
namespace {

index_progress backfilling(uint64_t done, uint64_t estimated, double rate) {
  index_progress p;
  p.name = "by_city";
  p.state = "backfilling";
  p.has_backfill = true;
  p.items_done = done;
  p.items_estimated = estimated;
  p.items_per_s = rate;
  return p;
}

index_progress active(uint64_t entries) {
  index_progress p;
  p.name = "by_city";
  p.state = "active";
  p.entries = entries;
  return p;
}

TEST(index_progress, reads_the_router_index_json) {
  auto doc = json_value::parse(
      R"({"name":"by_city","table":"users","id":4,"state":"backfilling",)"
      R"("backfill":{"items_done":3700,"items_estimated":10000,"items_per_s":1249.6},"entries":3650})");
  ASSERT_TRUE(doc.ok());
  index_progress p = read_progress(*doc);
  EXPECT_EQ(p.name, "by_city");
  EXPECT_EQ(p.state, "backfilling");
  EXPECT_TRUE(p.has_backfill);
  EXPECT_EQ(p.items_done, 3700u);
  EXPECT_EQ(p.items_estimated, 10000u);
  EXPECT_DOUBLE_EQ(p.items_per_s, 1249.6);
  EXPECT_EQ(p.entries, 3650u);
  EXPECT_FALSE(is_active(p));

  // Odd or missing members are zeros, not errors.
  auto odd = json_value::parse(R"({"state":"active","backfill":{"items_done":-1,"items_per_s":"fast"}})");
  ASSERT_TRUE(odd.ok());
  index_progress q = read_progress(*odd);
  EXPECT_TRUE(is_active(q));
  EXPECT_EQ(q.items_done, 0u);
  EXPECT_EQ(q.items_per_s, 0.0);
  EXPECT_EQ(q.entries, std::nullopt);
}

TEST(index_progress, backfill_line_with_bar_rate_and_eta) {
  EXPECT_EQ(format_progress(backfilling(3700, 10000, 1249.6)),
            "by_city  backfilling  [########----------------]   37%  3700/10000 items  1250 items/s  ETA 6s");
  EXPECT_EQ(format_progress(backfilling(0, 10000, 0)),
            "by_city  backfilling  [------------------------]    0%  0/10000 items");
  // The estimate can be short: never 100% (nor a full bar) before "active".
  EXPECT_EQ(format_progress(backfilling(10500, 10000, 500)),
            "by_city  backfilling  [#######################-]   99%  10500/10000 items  500 items/s");
  // No estimate yet: a count, no bar.
  EXPECT_EQ(format_progress(backfilling(120, 0, 40)), "by_city  backfilling  120 items  40 items/s");
}

TEST(index_progress, other_states) {
  EXPECT_EQ(format_progress(active(10412)), "by_city  active  10412 entries");
  index_progress unassigned;
  unassigned.name = "by_city";
  unassigned.state = "unassigned";
  EXPECT_EQ(format_progress(unassigned), "by_city  unassigned: no indexer is alive, waiting");
  index_progress bare;
  bare.state = "rebuilding";  // a state this ropectl does not know: as sent
  EXPECT_EQ(format_progress(bare), "index  rebuilding");
}

TEST(index_progress, eta) {
  EXPECT_EQ(format_eta(0.2), "1s");
  EXPECT_EQ(format_eta(45), "45s");
  EXPECT_EQ(format_eta(59.5), "1m00s");
  EXPECT_EQ(format_eta(125), "2m05s");
  EXPECT_EQ(format_eta(3720), "1h02m");
  EXPECT_EQ(format_eta(1e9), ">99h");
}

TEST(index_progress, terminal_redraws_in_place_and_pads_a_shorter_line) {
  progress_display d(true);
  std::string first = d.update(backfilling(3700, 10000, 1249.6));
  EXPECT_EQ(first, "\r" + format_progress(backfilling(3700, 10000, 1249.6)));
  // Every poll redraws, even with nothing new.
  EXPECT_EQ(d.update(backfilling(3700, 10000, 1249.6)), first);
  std::string done = format_progress(active(10412));
  std::string last = d.update(active(10412));
  EXPECT_EQ(last, "\r" + done + std::string(first.size() - 1 - done.size(), ' '));
  EXPECT_EQ(d.finish(), "\n");
  EXPECT_EQ(d.finish(), "");  // once
}

TEST(index_progress, pipe_gets_a_line_per_change_of_state_or_percent) {
  progress_display d(false);
  std::string out;
  for (auto p : {backfilling(0, 10000, 0), backfilling(10, 10000, 100), backfilling(99, 10000, 100),
                 backfilling(150, 10000, 100), backfilling(160, 10000, 120), active(10000)})
    out += d.update(p);
  out += d.finish();
  EXPECT_EQ(out,
            "by_city  backfilling  [------------------------]    0%  0/10000 items\n"
            "by_city  backfilling  [------------------------]    1%  150/10000 items  100 items/s"
            "  ETA 1m39s\n"
            "by_city  active  10000 entries\n");
  // Without an estimate, each new count is a change.
  progress_display n(false);
  EXPECT_NE(n.update(backfilling(1, 0, 1)), "");
  EXPECT_EQ(n.update(backfilling(1, 0, 2)), "");
  EXPECT_NE(n.update(backfilling(2, 0, 2)), "");
  EXPECT_EQ(n.finish(), "");
}

TEST(index_progress, never_drawn_means_nothing_to_finish) {
  progress_display d(true);
  EXPECT_EQ(d.finish(), "");
}

}  // namespace
}  // namespace ropekv::ctl
