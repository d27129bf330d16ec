#include "command_line.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ropekv::bench {
namespace {

TEST(option_map, takes_separate_and_joined_values_and_flags) {
  option_map o({"--port", "80", "--table=t=1", "--quick", "--label", "--x"}, {"quick"});
  EXPECT_TRUE(o.flag("quick"));
  EXPECT_FALSE(o.flag("quick")) << "consumed";
  EXPECT_EQ(o.number("port", 0), 80);
  EXPECT_EQ(o.take("table", ""), "t=1");
  EXPECT_EQ(o.take("label", ""), "--x") << "a value may look like an option";
  EXPECT_EQ(o.take("absent", "dflt"), "dflt");
  EXPECT_EQ(o.number("absent", 4), 4);
  EXPECT_NO_THROW(o.expect_consumed());
}

TEST(option_map, later_options_win_and_leftovers_are_unknown) {
  option_map o({"--n", "1", "--n=2", "--typo", "3"});
  EXPECT_EQ(o.number("n", 0), 2);
  try {
    o.expect_consumed();
    ADD_FAILURE() << "no error for --typo";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown option --typo");
  }
}

TEST(option_map, refuses_malformed_command_lines) {
  EXPECT_THROW(option_map({"port", "80"}), std::invalid_argument);
  EXPECT_THROW(option_map({"--port"}), std::invalid_argument);
  EXPECT_THROW(option_map({"-p", "80"}), std::invalid_argument);
  EXPECT_NO_THROW(option_map({"--quick"}, {"quick"}));
}

TEST(option_map, numbers_must_parse_whole) {
  option_map o({"--a", "1.5", "--b", "12x", "--c", "-1", "--d", "abc", "--e", "-2.5", "--f", ""});
  EXPECT_DOUBLE_EQ(o.number("a", 0), 1.5);
  EXPECT_THROW(o.number("b", 0), std::invalid_argument);
  EXPECT_THROW(o.number("c", 0), std::invalid_argument);
  try {
    o.number("d", 0);
    ADD_FAILURE() << "no error for abc";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--d: not a number >= 0: abc");
  }
  EXPECT_DOUBLE_EQ(o.signed_number("e", 0), -2.5);
  EXPECT_EQ(o.number("f", 7), 7) << "an empty value is the default";
}

TEST(clock_key_prefix, is_the_stem_a_number_and_a_dash) {
  auto p = clock_key_prefix("tx");
  ASSERT_GT(p.size(), 3u);
  EXPECT_EQ(p.substr(0, 2), "tx");
  EXPECT_EQ(p.back(), '-');
  EXPECT_EQ(p.find_first_not_of("0123456789", 2), p.size() - 1) << p;
}

TEST(parse_command_line, help_bad_lines_and_specs) {
  auto parse = [](const std::vector<std::string>& a) {
    option_map o(a);
    int n = static_cast<int>(o.number("n", 1));
    o.expect_consumed();
    return n;
  };
  std::string help = "--help", n = "--n", three = "3", bogus = "--bogus", prog = "prog";
  char* h[] = {prog.data(), help.data()};
  auto r = parse_command_line(2, h, "prog", "", parse);
  EXPECT_FALSE(r.spec);
  EXPECT_EQ(r.exit_code, 0);
  char* good[] = {prog.data(), n.data(), three.data()};
  r = parse_command_line(3, good, "prog", "", parse);
  ASSERT_TRUE(r.spec);
  EXPECT_EQ(*r.spec, 3);
  char* bad[] = {prog.data(), bogus.data(), three.data()};
  r = parse_command_line(3, bad, "prog", "", parse);
  EXPECT_FALSE(r.spec);
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace ropekv::bench
