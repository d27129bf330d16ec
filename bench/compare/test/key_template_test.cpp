#include "key_template.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace ropekv::bench;

TEST(loadgen_base64, rfc4648_vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(loadgen_prefix_end, increments_the_last_byte_below_ff) {
  EXPECT_EQ(prefix_end("abc/"), "abc0");
  EXPECT_EQ(prefix_end("ab\xff"), "ac");
  EXPECT_EQ(prefix_end("\xff\xff"), "");
  EXPECT_EQ(prefix_end(""), "");
}

TEST(loadgen_key_space, prefix_and_explicit_keys) {
  key_space s("k", 3);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.at(0), "k0");
  EXPECT_EQ(s.at(2), "k2");
  EXPECT_EQ(s.at(4), "k1");
  key_space e(std::vector<std::string>{"a", "b"});
  EXPECT_EQ(e.size(), 2u);
  EXPECT_EQ(e.at(3), "b");
  EXPECT_THROW(key_space("k", 0), std::invalid_argument);
}

TEST(loadgen_key_picker, sequential_visits_each_key_and_random_stays_inside) {
  key_space s("k", 5);
  key_picker seq(s, true, 1);
  uint64_t counter = 0;
  std::vector<std::string> got;
  for (int i = 0; i < 6; ++i) got.push_back(seq.next(counter));
  EXPECT_EQ(got, (std::vector<std::string>{"k0", "k1", "k2", "k3", "k4", "k0"}));
  key_picker rnd(s, false, 1);
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(rnd.next(counter));
  EXPECT_EQ(seen.size(), 5u);
}

TEST(loadgen_request_template, substitutes_key_and_base64_calls) {
  request_template path("/v1/tables/t/items/{key}?consistency=eventual");
  EXPECT_TRUE(path.uses_key());
  EXPECT_EQ(path.expand("k7"), "/v1/tables/t/items/k7?consistency=eventual");
  request_template fixed("/index.html");
  EXPECT_FALSE(fixed.uses_key());
  EXPECT_EQ(fixed.expand("x"), "/index.html");
  request_template etcd(R"({"key":"{b64:{key}/}","range_end":"{b64end:{key}/}","limit":100})");
  EXPECT_EQ(etcd.expand("foo"),
            std::string(R"({"key":")") + base64_encode("foo/") + R"(","range_end":")" +
                base64_encode("foo0") + R"(","limit":100})");
  request_template two("{b64:{key}-0}{b64:{key}-1}");
  EXPECT_EQ(two.expand("a"), base64_encode("a-0") + base64_encode("a-1"));
  EXPECT_THROW(request_template("{b64:x"), std::invalid_argument);
  EXPECT_EQ(request_template("{\"v\":1} {b64:{key}}").expand("k"), "{\"v\":1} " + base64_encode("k"));
}
