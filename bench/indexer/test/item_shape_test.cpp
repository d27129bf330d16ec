#include "item_shape.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

using namespace ropekv::bench::indexer;

namespace {

rapidjson::Document parse(const std::string& s) {
  rapidjson::Document d;
  d.Parse(s.c_str());
  return d;
}

}  // namespace

TEST(index_bench_item, has_every_indexed_attribute_with_its_type_and_the_exact_size) {
  std::string body = item_body("r1-", 1234, 256);
  EXPECT_EQ(body.size(), 256u);
  auto d = parse(body);
  ASSERT_FALSE(d.HasParseError()) << body;
  EXPECT_STREQ(d["email"].GetString(), "user-r1-1234@example.com");
  EXPECT_EQ(d["user_id"].GetUint64(), 1234u);
  EXPECT_STREQ(d["city"].GetString(), "city-34");
  EXPECT_EQ(d["age"].GetUint64(), 1234u % 90);
  EXPECT_STREQ(d["status"].GetString(), "s4");
  for (const auto& def : index_defs) {
    ASSERT_TRUE(d.HasMember(std::string(def.attribute).c_str())) << def.attribute;
    EXPECT_EQ(d[std::string(def.attribute).c_str()].IsNumber(), def.type == "number") << def.attribute;
  }
}

TEST(index_bench_item, grows_past_the_size_rather_than_truncating) {
  std::string body = item_body("a-long-tag-", 99, 10);
  EXPECT_GT(body.size(), 10u);
  EXPECT_FALSE(parse(body).HasParseError());
}

TEST(index_bench_probe, every_index_finds_the_probe_by_one_unique_value) {
  const uint64_t v = 1'700'000'000'123'456;
  auto d = parse(probe_body(v, 200));
  ASSERT_FALSE(d.HasParseError());
  EXPECT_EQ(d["user_id"].GetUint64(), v);
  EXPECT_EQ(d["age"].GetUint64(), v);
  EXPECT_STREQ(d["city"].GetString(), "probe-1700000000123456");
  EXPECT_EQ(probe_eq(*find_index("by_email"), v), "probe-1700000000123456%40example.com");
  EXPECT_EQ(probe_eq(*find_index("by_user"), v), "1700000000123456");
  EXPECT_EQ(probe_eq(*find_index("by_status"), v), "probe-1700000000123456");
  EXPECT_EQ(eq_query_target("t", "by_age", "7"), "/v1/tables/t/indexes/by_age/items?eq=7");
}

TEST(index_bench_spec, index_bodies_and_preload_templates) {
  EXPECT_EQ(index_spec_body(*find_index("by_user"), "keys"),
            R"({"attribute":"user_id","type":"number","projection":"keys"})");
  EXPECT_EQ(find_index("nope"), nullptr);
  EXPECT_EQ(preload_eq_template(*find_index("by_email")), "user-{key}%40example.com");
  EXPECT_EQ(preload_eq_template(*find_index("by_user")), "{key}");
  EXPECT_EQ(preload_eq_template(*find_index("by_city")), "");
  EXPECT_EQ(percent_encode("a b/c~"), "a%20b%2Fc~");
}
