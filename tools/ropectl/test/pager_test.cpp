// Cursor following against a scripted router: each test lists the pages the
// "router" answers and checks which requests ropectl made.
#include <gtest/gtest.h>

#include <deque>

#include "pager.hpp"

namespace ropekv::ctl {
namespace {

class scripted_router {
 public:
  explicit scripted_router(std::deque<result<http_reply>> replies) : replies_(std::move(replies)) {}

  fetch_fn fetch() {
    return [this](const api_call& call) -> result<http_reply> {
      targets_.push_back(call.target);
      if (replies_.empty()) return make_error(errc::internal, "unexpected request " + call.target);
      auto r = std::move(replies_.front());
      replies_.pop_front();
      return r;
    };
  }
  const std::vector<std::string>& targets() const { return targets_; }

 private:
  std::deque<result<http_reply>> replies_;
  std::vector<std::string> targets_;
};

http_reply page(std::string items, std::string cursor = {}) {
  std::string body = R"({"items":[)" + items + "]";
  if (!cursor.empty()) body += R"(,"cursor":")" + cursor + "\"";
  return {200, body + "}"};
}

const api_call first{"GET", "/v1/tables/t/scan?limit=2", ""};

TEST(pager, follows_cursors_until_a_page_has_none) {
  scripted_router router({page(R"({"hash_key":"a"},{"hash_key":"b"})", "c1"),
                          page("", "c2"),  // an empty page that still has a cursor
                          page(R"({"hash_key":"c"})")});
  std::vector<size_t> sizes;
  auto r = follow_pages(first, true, router.fetch(), [&](const http_reply&, const json_value& p) {
    sizes.push_back(p.find("items")->elements().size());
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pages, 3u);
  EXPECT_EQ(r->cursor, std::nullopt);
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 0, 1}));
  EXPECT_EQ(router.targets(), (std::vector<std::string>{"/v1/tables/t/scan?limit=2",
                                                        "/v1/tables/t/scan?limit=2&cursor=c1",
                                                        "/v1/tables/t/scan?limit=2&cursor=c2"}));
}

TEST(pager, without_follow_stops_after_one_page_and_reports_its_cursor) {
  scripted_router router({page(R"({"hash_key":"a"})", "c1")});
  auto r = follow_pages(first, false, router.fetch(), [](const http_reply&, const json_value&) {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pages, 1u);
  EXPECT_EQ(r->cursor, "c1");
  EXPECT_EQ(router.targets().size(), 1u);
}

TEST(pager, an_error_reply_stops_the_walk_and_is_returned) {
  scripted_router router({page("", "c1"), http_reply{503, R"({"error":{"code":"unavailable","message":"x"}})"}});
  size_t pages = 0;
  auto r = follow_pages(first, true, router.fetch(), [&](const http_reply&, const json_value&) { ++pages; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(pages, 1u);
  EXPECT_EQ(r->last.status, 503u);
}

TEST(pager, transport_errors_and_bad_pages_are_errors) {
  scripted_router lost({page("", "c1"), make_error(errc::unavailable, "connection reset")});
  auto r = follow_pages(first, true, lost.fetch(), [](const http_reply&, const json_value&) {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::unavailable);

  scripted_router garbage({http_reply{200, "not json"}});
  auto g = follow_pages(first, true, garbage.fetch(), [](const http_reply&, const json_value&) {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error().code, errc::internal);
}

TEST(pager, a_cursor_that_does_not_advance_ends_the_loop) {
  scripted_router router({page("", "same"), page("", "same"), page("", "same")});
  auto r = follow_pages(first, true, router.fetch(), [](const http_reply&, const json_value&) {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, errc::internal);
  EXPECT_EQ(router.targets().size(), 2u);
}

}  // namespace
}  // namespace ropekv::ctl
