// The one mapping from error answers to exit codes, and that every kind of
// runner applies it.
#include <gtest/gtest.h>

#include "exit_codes.hpp"

namespace ropekv::ctl {
namespace {

TEST(exit_codes, router_codes_map_by_class) {
  EXPECT_EQ(exit_code_for(400, "invalid_argument"), exit_usage);
  EXPECT_EQ(exit_code_for(400, "invalid_json"), exit_usage);
  EXPECT_EQ(exit_code_for(413, "too_large"), exit_usage);
  EXPECT_EQ(exit_code_for(404, "not_found"), exit_not_found);
  EXPECT_EQ(exit_code_for(410, "version_gone"), exit_not_found);
  EXPECT_EQ(exit_code_for(412, "condition_failed"), exit_conflict);
  EXPECT_EQ(exit_code_for(409, "already_exists"), exit_conflict);
  EXPECT_EQ(exit_code_for(409, "transaction_canceled"), exit_conflict);
  EXPECT_EQ(exit_code_for(409, "conflict"), exit_conflict);
  EXPECT_EQ(exit_code_for(503, "unavailable"), exit_unavailable);
  EXPECT_EQ(exit_code_for(503, "timeout"), exit_unavailable);
  EXPECT_EQ(exit_code_for(500, "internal"), exit_internal);
  EXPECT_EQ(exit_code_for(401, "unauthenticated"), exit_denied);
  EXPECT_EQ(exit_code_for(403, "forbidden"), exit_denied);
}

TEST(exit_codes, unknown_codes_fall_back_to_the_status) {
  EXPECT_EQ(exit_code_for(404, ""), exit_not_found);
  EXPECT_EQ(exit_code_for(409, "something_new"), exit_conflict);
  EXPECT_EQ(exit_code_for(412, "x"), exit_conflict);
  EXPECT_EQ(exit_code_for(429, ""), exit_unavailable);
  EXPECT_EQ(exit_code_for(502, ""), exit_unavailable);
  EXPECT_EQ(exit_code_for(504, ""), exit_unavailable);
  EXPECT_EQ(exit_code_for(503, "index_not_ready"), exit_unavailable);
  EXPECT_EQ(exit_code_for(401, ""), exit_denied);
  EXPECT_EQ(exit_code_for(403, ""), exit_denied);
  EXPECT_EQ(exit_code_for(405, ""), exit_usage);
  EXPECT_EQ(exit_code_for(501, "unsupported"), exit_internal);
  EXPECT_EQ(exit_code_for(418, ""), exit_internal);
}

TEST(exit_codes, notifier_error_frames_have_no_status) {
  EXPECT_EQ(exit_code_for(0, "unknown_table"), exit_not_found);
  EXPECT_EQ(exit_code_for(0, "feed_compacted"), exit_not_found);
  EXPECT_EQ(exit_code_for(0, "bad_token"), exit_usage);
  EXPECT_EQ(exit_code_for(0, "slow_consumer"), exit_unavailable);
  EXPECT_EQ(exit_code_for(0, "never_heard_of"), exit_internal);
}

TEST(exit_codes, reply_bodies_and_transport_errors) {
  EXPECT_EQ(exit_code_for_reply(404, R"({"error":{"code":"not_found","message":"no such table: t"}})"),
            exit_not_found);
  EXPECT_EQ(exit_code_for_reply(503, "<html>busy</html>"), exit_unavailable);
  EXPECT_EQ(exit_code_for_reply(400, R"({"error":"flat"})"), exit_usage);
  EXPECT_EQ(exit_code_for(make_error(errc::unavailable, "refused")), exit_unavailable);
  EXPECT_EQ(exit_code_for(make_error(errc::timeout, "slow")), exit_unavailable);
  EXPECT_EQ(exit_code_for(make_error(errc::internal, "bug")), exit_internal);
}

TEST(exit_codes, retryable_statuses) {
  for (unsigned s : {429u, 502u, 503u, 504u}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (unsigned s : {200u, 400u, 404u, 409u, 412u, 500u, 501u}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(exit_codes, the_help_text_names_every_code) {
  std::string help(exit_code_help());
  for (int code = 0; code <= 7; ++code)
    EXPECT_NE(help.find("  " + std::to_string(code) + "  "), std::string::npos) << code;
}

}  // namespace
}  // namespace ropekv::ctl
