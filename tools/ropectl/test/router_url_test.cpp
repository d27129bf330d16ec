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

TEST(router_url, notifier_urls) {
  auto full = parse_notifier_url("ws://127.0.0.1:8088/v1/ws");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->host, "127.0.0.1");
  EXPECT_EQ(full->port, "8088");
  EXPECT_EQ(full->base_path, "/v1/ws");
  auto bare = parse_notifier_url("WS://[::1]:9");  // no path: the notifier's
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->host, "::1");
  EXPECT_EQ(bare->base_path, "/v1/ws");
  auto proxied = parse_notifier_url("n:80/feeds/ws/");
  ASSERT_TRUE(proxied.ok());
  EXPECT_EQ(proxied->base_path, "/feeds/ws");
  for (const char* bad : {"wss://n:1", "http://n:1", "ws://:1", "ws://n:1/ws?x=1"}) {
    auto r = parse_notifier_url(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r) {
      EXPECT_NE(r.error().message.find("notifier"), std::string::npos) << r.error().message;
    }
  }
  EXPECT_EQ(choose_url("", nullptr, default_notifier_url), "ws://127.0.0.1:8088/v1/ws");
}

}  // namespace
}  // namespace ropekv::ctl
