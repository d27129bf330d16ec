#include "workload.hpp"

#include <gtest/gtest.h>

#include "options.hpp"

using namespace ropekv::bench;

TEST(loadgen_check_http, status_and_body_substrings) {
  op_spec op;
  op.expect_status = 200;
  op.expect_body = R"("v":"xyz")";
  op.reject_body = R"("status":4)";
  EXPECT_FALSE(check_http(op, 200, R"({"item":{"v":"xyz"}})"));
  EXPECT_TRUE(check_http(op, 404, R"({"error":{}})"));
  EXPECT_TRUE(check_http(op, 200, R"({"item":{"v":"abc"}})"));
  EXPECT_TRUE(check_http(op, 200, R"({"v":"xyz","results":[{"status":412}]})"));
}

TEST(loadgen_check_resp, errors_nulls_and_expected_text) {
  op_spec op;
  op.expect_body = "val";
  resp::reply r;
  r.type = resp::kind::bulk;
  r.text = "val";
  EXPECT_FALSE(check_resp(op, r));
  r.text = "other";
  EXPECT_TRUE(check_resp(op, r));
  r.type = resp::kind::null_bulk;
  EXPECT_TRUE(check_resp(op, r));
  r.type = resp::kind::error;
  r.text = "ERR val";
  EXPECT_TRUE(check_resp(op, r));
}

TEST(loadgen_resp_argument_templates, splits_on_spaces) {
  auto args = resp_argument_templates("MSET {key}-0 v {key}-1 v");
  ASSERT_EQ(args.size(), 5u);
  EXPECT_EQ(args[1].expand("a"), "a-0");
}

TEST(loadgen_op_chooser, share_of_writes) {
  op_chooser none(0, 1), all(100, 1), tenth(10, 1);
  int writes = 0;
  for (int i = 0; i < 10000; ++i) {
    EXPECT_FALSE(none.next_is_write());
    EXPECT_TRUE(all.next_is_write());
    writes += tenth.next_is_write();
  }
  EXPECT_NEAR(writes, 1000, 150);
}

TEST(loadgen_options, parses_a_mixed_http_run_and_rejects_bad_ones) {
  auto r = parse_options({"--port", "8080", "--connections=50", "--duration", "2", "--path", "/v1/{key}",
                          "--write-percent", "10", "--write-method", "PUT", "--keys", "100"});
  EXPECT_EQ(r.port, 8080);
  EXPECT_EQ(r.connections, 50u);
  EXPECT_DOUBLE_EQ(r.duration_s, 2);
  EXPECT_EQ(r.write.method, "PUT");
  EXPECT_EQ(r.keys->size(), 100u);
  EXPECT_THROW(parse_options({"--port", "1"}), std::invalid_argument);  // neither duration nor requests
  EXPECT_THROW(parse_options({"--port", "1", "--requests", "5", "--bogus", "1"}), std::invalid_argument);
  EXPECT_THROW(parse_options({"--port", "1", "--requests", "5", "--mode", "resp"}), std::invalid_argument);
}
