#include <gtest/gtest.h>

#include "router_url.hpp"

namespace ropekv::ctl {
namespace {

router_endpoint parse(std::string_view url) {
  auto r = parse_router_url(url);
  EXPECT_TRUE(r.ok()) << url << ": " << (r ? "" : r.error().message);
  return r ? std::move(r).value() : router_endpoint{};
}

TEST(router_url, forms) {
  auto a = parse("http://127.0.0.1:8080");
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, "8080");
  EXPECT_EQ(a.base_path, "");
  EXPECT_EQ(a.host_header(), "127.0.0.1:8080");

  auto b = parse("HTTP://router.local/kv/");
  EXPECT_EQ(b.host, "router.local");
  EXPECT_EQ(b.port, "80");
  EXPECT_EQ(b.base_path, "/kv");

  auto c = parse("localhost:9000");
  EXPECT_EQ(c.host, "localhost");
  EXPECT_EQ(c.port, "9000");

  auto d = parse("http://[::1]:8080");
  EXPECT_EQ(d.host, "::1");
  EXPECT_EQ(d.host_header(), "[::1]:8080");
}

TEST(router_url, rejects) {
  for (const char* bad : {"https://r:1", "http://", "http://:80", "http://r:x", "http://r:70000",
                          "http://[::1", "http://u@r:1", "http://r:1/a?b"}) {
    auto r = parse_router_url(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, errc::invalid_argument);
    }
  }
}

TEST(router_url, choice_order) {
  EXPECT_EQ(choose_router_url("http://f:1", "http://e:2"), "http://f:1");
  EXPECT_EQ(choose_router_url("", "http://e:2"), "http://e:2");
  EXPECT_EQ(choose_router_url("", ""), std::string(default_router_url));
  EXPECT_EQ(choose_router_url("", nullptr), std::string(default_router_url));
}

}  // namespace
}  // namespace ropekv::ctl
