// The load/export progress line: rate, ETA, bar at given widths, and what
// each display mode writes.
#include <gtest/gtest.h>

#include "json_value.hpp"
#include "transfer_progress.hpp"

namespace ropekv::ctl {
namespace {

transfer_snapshot at(uint64_t items, uint64_t bytes, std::optional<uint64_t> total, double seconds) {
  transfer_snapshot s;
  s.label = "load users";
  s.items = items;
  s.bytes = bytes;
  s.total_bytes = total;
  s.seconds = seconds;
  return s;
}

TEST(transfer_progress, rate_and_eta) {
  auto s = at(3000, 1 << 20, 4 << 20, 2.0);
  EXPECT_DOUBLE_EQ(items_per_second(s), 1500);
  ASSERT_TRUE(eta_seconds(s));
  EXPECT_DOUBLE_EQ(*eta_seconds(s), 6.0);  // 3 MiB left at 0.5 MiB/s
  EXPECT_FALSE(eta_seconds(at(10, 100, std::nullopt, 1)));  // no total: stdin
  EXPECT_FALSE(eta_seconds(at(0, 0, 1000, 1)));             // nothing done yet
  EXPECT_DOUBLE_EQ(items_per_second(at(10, 100, 1000, 0)), 0);
  auto done = at(10, 100, 1000, 1);
  done.finished = true;
  EXPECT_EQ(eta_seconds(done), 0.0);
}

TEST(transfer_progress, bytes) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(286515), "280 KiB");
  EXPECT_EQ(format_bytes(uint64_t{3} << 20), "3.0 MiB");
  EXPECT_EQ(format_bytes(uint64_t{5} << 30), "5.0 GiB");
}

TEST(transfer_progress, line_with_a_bar_on_a_wide_terminal) {
  auto s = at(3000, 1 << 20, 3 << 20, 2.0);
  std::string line = format_transfer(s, 120);
  EXPECT_EQ(line,
            "load users  [#########---------------------]   33%  3000 items  1.0/3.0 MiB  1500 items/s  ETA 4s");
  EXPECT_LE(line.size(), 119u);
}

TEST(transfer_progress, bar_width_follows_the_terminal_and_keeps_still) {
  auto s = at(3000, 1 << 20, 3 << 20, 2.0);
  auto bar_of = [](const std::string& line) {
    auto open = line.find('['), close = line.find(']');
    return open == std::string::npos ? size_t{0} : close - open - 1;
  };
  EXPECT_EQ(bar_of(format_transfer(s, 200)), 30u);  // capped
  EXPECT_EQ(bar_of(format_transfer(s, 100)), 23u);  // 99 - 10 (label) - 6 (brackets) - 4 (pct) - 56 (kept)
  EXPECT_EQ(bar_of(format_transfer(s, 80)), 0u);    // under 10 columns: no bar, the percentage stays
  EXPECT_NE(format_transfer(s, 80).find(" 33%"), std::string::npos);
  // The numbers change, the bar does not move.
  EXPECT_EQ(bar_of(format_transfer(at(3, 10, 3 << 20, 0.5), 100)), 23u);
  for (size_t w : {200u, 120u, 100u, 80u, 60u, 40u, 10u, 1u, 0u}) EXPECT_LE(format_transfer(s, w).size(), w ? w - 1 : 0) << w;
  EXPECT_EQ(format_transfer(s, 30), "load users   33%  3000 items ");  // cut at 29, never wrapped
}

TEST(transfer_progress, bar_fills_with_the_bytes_and_is_full_only_when_finished) {
  auto s = at(10, 999, 1000, 1.0);
  std::string line = format_transfer(s, 140);
  EXPECT_NE(line.find("[#############################-]   99%"), std::string::npos) << line;
  s.bytes = 1000;
  EXPECT_NE(format_transfer(s, 140).find("  99%"), std::string::npos);
  s.finished = true;
  line = format_transfer(s, 140);
  EXPECT_NE(line.find("[##############################]  100%"), std::string::npos) << line;
  EXPECT_NE(line.find("in 1.0s"), std::string::npos) << line;
  EXPECT_EQ(line.find("ETA"), std::string::npos) << line;
}

TEST(transfer_progress, without_a_total_and_with_failures) {
  auto s = at(1200, 2048, std::nullopt, 3.0);
  s.failed = 2;
  s.retries = 5;
  s.label = "export users";
  EXPECT_EQ(format_transfer(s, 200), "export users  1200 items  2.0 KiB  400 items/s  2 failed  5 retries");
}

TEST(transfer_progress, json_event) {
  auto s = at(3000, 1 << 20, 3 << 20, 2.0);
  auto doc = json_value::parse(transfer_event_json(s, "progress"));
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->find("event")->text(), "progress");
  EXPECT_EQ(doc->find("items")->text(), "3000");
  EXPECT_EQ(doc->find("total_bytes")->text(), "3145728");
  EXPECT_EQ(doc->find("items_per_s")->text(), "1500.0");
  EXPECT_EQ(doc->find("eta_s")->text(), "4.0");
  EXPECT_EQ(doc->find("percent")->text(), "33");
  auto no_total = json_value::parse(transfer_event_json(at(1, 1, std::nullopt, 1), "progress"));
  ASSERT_TRUE(no_total);
  EXPECT_EQ(no_total->find("eta_s"), nullptr);
  EXPECT_EQ(no_total->find("total_bytes"), nullptr);
}

TEST(transfer_progress, terminal_redraws_in_place_and_ends_the_line) {
  transfer_display d(transfer_display::mode::terminal, 200);
  auto a = at(30000, 5000, 10000, 1.0);
  std::string first = d.update(a);
  ASSERT_EQ(first.front(), '\r');
  EXPECT_EQ(first.find('\n'), std::string::npos);
  auto b = at(3, 6000, 10000, 2.0);  // a shorter line: padded over the longer one
  std::string second = d.update(b);
  EXPECT_EQ(second.size(), first.size());
  EXPECT_EQ(second.back(), ' ');
  EXPECT_EQ(d.finish(), "\n");
  EXPECT_EQ(d.finish(), "");  // nothing on screen any more
}

TEST(transfer_progress, lines_and_json_modes_write_whole_lines) {
  transfer_display lines(transfer_display::mode::lines, 80);
  std::string l = lines.update(at(1, 1, 10, 1));
  EXPECT_EQ(l.back(), '\n');
  EXPECT_EQ(l.find('\r'), std::string::npos);
  EXPECT_EQ(lines.finish(), "");
  transfer_display json(transfer_display::mode::json);
  std::string j = json.update(at(1, 1, 10, 1));
  EXPECT_TRUE(j.starts_with("{\"event\":\"progress\""));
  EXPECT_EQ(j.back(), '\n');
}

}  // namespace
}  // namespace ropekv::ctl
