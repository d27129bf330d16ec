#include <gtest/gtest.h>

#include <vector>

#include "ropekv/net/responder.hpp"

namespace ropekv::net {
namespace {

TEST(responder, delivers_exactly_once) {
  std::vector<http_response> got;
  auto r = responder::to_function([&](http_response res) { got.push_back(std::move(res)); });
  EXPECT_TRUE(r.pending());
  r(json_response(201, "{}"));
  EXPECT_FALSE(r.pending());
  r(json_response(202, "{}"));  // ignored
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, 201u);
}

TEST(responder, dropping_an_unanswered_responder_answers_500) {
  std::vector<http_response> got;
  { auto r = responder::to_function([&](http_response res) { got.push_back(std::move(res)); }); }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, 500u);
  EXPECT_NE(got[0].body.find("internal"), std::string::npos);
}

TEST(responder, moves_transfer_the_obligation) {
  std::vector<http_response> got;
  auto a = responder::to_function([&](http_response res) { got.push_back(std::move(res)); });
  responder b = std::move(a);
  EXPECT_FALSE(a.pending());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_TRUE(b.pending());
  responder c;
  c = std::move(b);
  EXPECT_TRUE(got.empty());
  c.send(json_response(200, "{}"));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].status, 200u);

  // Overwriting an unanswered responder answers it.
  auto d = responder::to_function([&](http_response res) { got.push_back(std::move(res)); });
  d = responder::to_function([](http_response) {});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].status, 500u);
}

TEST(http_message, header_lookup_is_case_insensitive) {
  http_request req;
  req.headers = {{"Content-Type", "application/json"}, {"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(req.header("X-a"), "1");
  EXPECT_FALSE(req.header("missing"));
  EXPECT_EQ(parse_http_method("DELETE"), http_method::delete_);
  EXPECT_EQ(parse_http_method("get"), http_method::other);  // methods are case-sensitive
  EXPECT_EQ(to_string(http_method::put), "PUT");
}

}  // namespace
}  // namespace ropekv::net
