#include "json_line.hpp"

#include <gtest/gtest.h>

namespace ropekv::bench {
namespace {

TEST(json_string, escapes_quotes_backslashes_controls_and_non_ascii) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string(std::string("\n\x01\x7f\xc3", 4)), "\"\\u000a\\u0001\\u007f\\u00c3\"");
}

struct fake_histogram {
  uint64_t quantile(double q) const { return q < 0.6 ? 5'000'000 : q < 0.95 ? 9'000'000 : 9'900'000; }
  uint64_t max() const { return 20'000'000; }
  uint64_t count() const { return 42; }
};

TEST(json_writer, fields_and_percentiles) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.StartObject();
  field(w, "s", std::string("x"));
  field(w, "lit", "y");
  field(w, "n", uint64_t{7});
  field(w, "d", 0.5);
  field(w, "b", true);
  strings(w, "a", {"p", "q"});
  percentiles(w, "lat", fake_histogram{});
  w.EndObject();
  EXPECT_STREQ(buf.GetString(),
               R"({"s":"x","lit":"y","n":7,"d":0.5,"b":true,"a":["p","q"],)"
               R"("lat":{"p50":5.0,"p90":9.0,"p99":9.9,"max":20.0,"samples":42}})");
}

}  // namespace
}  // namespace ropekv::bench
