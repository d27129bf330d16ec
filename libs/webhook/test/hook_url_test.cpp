#include "ropekv/webhook/hook_url.hpp"

#include <gtest/gtest.h>

namespace ropekv::webhook {
namespace {

hook_url parse_ok(std::string_view text) {
  auto u = parse_hook_url(text);
  EXPECT_TRUE(u.ok()) << text << ": " << (u.ok() ? "" : u.error().message);
  return u.ok() ? *u : hook_url{};
}

void expect_bad(std::string_view text) {
  auto u = parse_hook_url(text);
  ASSERT_FALSE(u.ok()) << text;
  EXPECT_EQ(u.error().code, hook_code::bad_url);
  EXPECT_FALSE(u.error().message.empty());
}

TEST(HookUrl, ParsesHttpAndHttps) {
  EXPECT_EQ(parse_ok("http://example.com/hooks/in"), (hook_url{"http", "example.com", 80, "/hooks/in"}));
  EXPECT_EQ(parse_ok("https://example.com/x?a=1&b=2"), (hook_url{"https", "example.com", 443, "/x?a=1&b=2"}));
  EXPECT_EQ(parse_ok("HTTP://Example.COM:8080"), (hook_url{"http", "example.com", 8080, "/"}));
  EXPECT_EQ(parse_ok("http://127.0.0.1:9/"), (hook_url{"http", "127.0.0.1", 9, "/"}));
  EXPECT_EQ(parse_ok("http://h?q"), (hook_url{"http", "h", 80, "/?q"}));
  EXPECT_EQ(parse_ok("https://[::1]:8443/p"), (hook_url{"https", "::1", 8443, "/p"}));
  EXPECT_EQ(parse_ok("http://[2001:db8::7]/"), (hook_url{"http", "2001:db8::7", 80, "/"}));
  EXPECT_EQ(parse_ok("http://my_service.internal-1/"), (hook_url{"http", "my_service.internal-1", 80, "/"}));
}

TEST(HookUrl, HostHeaderAndText) {
  auto a = parse_ok("http://example.com/p");
  EXPECT_EQ(a.host_header(), "example.com");
  EXPECT_EQ(a.to_string(), "http://example.com/p");
  auto b = parse_ok("https://example.com:444/p");
  EXPECT_EQ(b.host_header(), "example.com:444");
  auto c = parse_ok("https://[::1]/p");
  EXPECT_TRUE(c.ipv6_literal());
  EXPECT_EQ(c.host_header(), "[::1]");
  EXPECT_EQ(c.to_string(), "https://[::1]/p");
  EXPECT_EQ(parse_hook_url(c.to_string()).value(), c);
}

TEST(HookUrl, RejectsMalformed) {
  expect_bad("");
  expect_bad("example.com/path");
  expect_bad("ftp://example.com/");
  expect_bad("http:/example.com/");
  expect_bad("http://");
  expect_bad("http:///path");
  expect_bad("http://:80/");
  expect_bad("http://user:pw@example.com/");
  expect_bad("http://example.com/#frag");
  expect_bad("http://exa mple.com/");
  expect_bad("http://example.com/a b");
  expect_bad("http://example.com/\x01");
  expect_bad("http://ex\xc3\xa9.com/");
  expect_bad("http://example.com:/");
  expect_bad("http://example.com:0/");
  expect_bad("http://example.com:65536/");
  expect_bad("http://example.com:80a/");
  expect_bad("http://example.com:-1/");
  expect_bad("http://-bad.com/");
  expect_bad("http://bad-.com/");
  expect_bad("http://a..b/");
  expect_bad("http://a.b./");
  expect_bad("http://[::1/");
  expect_bad("http://[nope]/");
  expect_bad("http://[::1]x/");
  expect_bad("http://" + std::string(64, 'a') + ".com/");
  expect_bad("http://example.com/" + std::string(max_url_bytes, 'p'));
}

}  // namespace
}  // namespace ropekv::webhook
