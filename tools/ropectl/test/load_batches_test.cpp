// Items into batch requests within the router's limits, and one batch's
// answer (and retries) into written and failed items -- with a scripted
// transport, no network.
#include <gtest/gtest.h>

#include <deque>

#include "batch_sender.hpp"
#include "exit_codes.hpp"
#include "json_value.hpp"
#include "load_batches.hpp"

namespace ropekv::ctl {
namespace {

using namespace std::chrono_literals;

load_item item(std::string hash, uint64_t line, std::string json = "{}") {
  return load_item{std::move(hash), std::nullopt, std::move(json), line};
}

TEST(load_batches, put_ops_and_binary_keys) {
  EXPECT_EQ(put_op_json(item("a", 1, R"({"n":1.50})"), std::nullopt), R"({"op":"put","hash_key":"a","item":{"n":1.50}})");
  load_item ranged{"h", std::string("r"), "{}", 1};
  EXPECT_EQ(put_op_json(ranged, 60), R"({"op":"put","hash_key":"h","range_key":"r","item":{},"ttl":60})");
  EXPECT_EQ(put_op_json(item(std::string("\x00\xff", 2), 1), std::nullopt),
            R"({"op":"put","hash_key_base64":"AP8=","item":{}})");
  EXPECT_TRUE(is_utf8("plain"));
  EXPECT_TRUE(is_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_utf8("\xff"));
  EXPECT_FALSE(is_utf8("\xc3"));          // cut short
  EXPECT_FALSE(is_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));  // a surrogate
}

TEST(load_batches, batches_close_at_the_op_limit_with_their_own_request_ids) {
  batch_builder b({3, 1 << 20}, "load-test", std::nullopt);
  std::vector<load_batch> sent;
  for (uint64_t i = 1; i <= 7; ++i)
    if (auto full = b.add(item("k" + std::to_string(i), i), 10)) sent.push_back(std::move(*full));
  if (auto last = b.flush()) sent.push_back(std::move(*last));
  EXPECT_FALSE(b.flush());
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].lines, (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(sent[2].lines, (std::vector<uint64_t>{7}));
  EXPECT_EQ(sent[0].input_bytes, 30u);
  EXPECT_EQ(sent[2].input_bytes, 10u);
  EXPECT_EQ(sent[0].request_id, "load-test-1");
  EXPECT_EQ(sent[2].request_id, "load-test-3");
  auto body = json_value::parse(sent[0].body);
  ASSERT_TRUE(body) << sent[0].body;
  EXPECT_EQ(body->find("request_id")->text(), "load-test-1");
  EXPECT_EQ(body->find("ops")->elements().size(), 3u);
  EXPECT_EQ(sent[2].body, R"({"request_id":"load-test-3","ops":[{"op":"put","hash_key":"k7","item":{}}]})");
}

TEST(load_batches, batches_close_at_the_byte_limit_and_a_big_item_goes_alone) {
  batch_builder b({100, 4096}, "p", std::nullopt);
  std::string kb = R"({"v":")" + std::string(1000, 'x') + "\"}";
  std::vector<load_batch> sent;
  for (uint64_t i = 1; i <= 5; ++i)
    if (auto full = b.add(item("k", i, kb), 1)) sent.push_back(std::move(*full));
  std::string huge = R"({"v":")" + std::string(5000, 'x') + "\"}";
  if (auto full = b.add(item("big", 6, huge), 1)) sent.push_back(std::move(*full));
  if (auto full = b.add(item("k", 7, kb), 1)) sent.push_back(std::move(*full));
  if (auto last = b.flush()) sent.push_back(std::move(*last));
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0].lines.size(), 3u);
  EXPECT_EQ(sent[1].lines.size(), 2u);
  EXPECT_EQ(sent[2].lines, (std::vector<uint64_t>{6}));
  EXPECT_EQ(sent[3].lines, (std::vector<uint64_t>{7}));
  for (size_t i : {0u, 1u, 3u}) EXPECT_LE(sent[i].body.size(), 4096u);
  EXPECT_TRUE(new_request_prefix().starts_with("load-"));
  EXPECT_NE(new_request_prefix(), new_request_prefix());
}

load_batch three_items() {
  batch_builder b({100, 1 << 20}, "t", std::nullopt);
  for (uint64_t i = 1; i <= 3; ++i) (void)b.add(item("k" + std::to_string(i), 10 * i), 5);
  return *b.flush();
}

TEST(batch_sender, per_op_statuses) {
  auto batch = three_items();
  auto o = read_batch_reply(batch, {200, R"({"results":[{"status":200,"result":{"version":1,"created":true}},
    {"status":413,"error":{"code":"too_large","message":"item too big"}},{"status":200,"result":{"version":2}}]})"});
  EXPECT_EQ(o.written, 2u);
  ASSERT_EQ(o.failures.size(), 1u);
  EXPECT_EQ(o.failures[0].line, 20u);
  EXPECT_EQ(o.failures[0].status, 413u);
  EXPECT_EQ(o.failures[0].code, "too_large");
  EXPECT_EQ(o.failures[0].message, "item too big");
  EXPECT_FALSE(o.fatal_exit);

  auto refused = read_batch_reply(batch, {400, R"({"error":{"code":"invalid_argument","message":"ops[1]: bad"}})"});
  EXPECT_EQ(refused.failures.size(), 3u);
  EXPECT_FALSE(refused.fatal_exit);  // this batch only
  auto gone = read_batch_reply(batch, {404, R"({"error":{"code":"not_found","message":"no such table: t"}})"});
  EXPECT_EQ(gone.fatal_exit, exit_not_found);
  EXPECT_EQ(gone.fatal_message, "error: not_found: no such table: t");
  auto short_answer = read_batch_reply(batch, {200, R"({"results":[]})"});
  EXPECT_EQ(short_answer.failures.size(), 3u);
}

struct scripted {
  std::deque<result<http_reply>> replies;
  std::vector<api_call> calls;
  fetch_fn fetch() {
    return [this](const api_call& c) -> result<http_reply> {
      calls.push_back(c);
      auto r = std::move(replies.front());
      replies.pop_front();
      return r;
    };
  }
};

TEST(batch_sender, retries_resend_the_same_body_until_every_op_is_done) {
  auto batch = three_items();
  scripted s;
  s.replies.push_back(make_error(errc::unavailable, "connection reset"));
  s.replies.push_back(http_reply{503, R"({"error":{"code":"unavailable","message":"electing"}})"});
  s.replies.push_back(http_reply{200, R"({"results":[{"status":200},{"status":503,"error":{"code":"unavailable"}},{"status":200}]})"});
  s.replies.push_back(http_reply{200, R"({"results":[{"status":200},{"status":200},{"status":200}]})"});
  std::vector<std::chrono::milliseconds> pauses;
  auto o = send_batch(batch, "/v1/tables/t/batch", s.fetch(), retry_policy{}, [&](auto d) { pauses.push_back(d); });
  EXPECT_EQ(o.written, 3u);
  EXPECT_TRUE(o.failures.empty());
  EXPECT_EQ(o.retries, 3u);
  ASSERT_EQ(s.calls.size(), 4u);
  for (const auto& c : s.calls) {
    EXPECT_EQ(c.method, "POST");
    EXPECT_EQ(c.target, "/v1/tables/t/batch");
    EXPECT_EQ(c.body, batch.body);  // same request_id: the router de-duplicates
  }
  ASSERT_EQ(pauses.size(), 3u);
  EXPECT_LT(pauses[0], pauses[2]);  // backing off
}

TEST(batch_sender, giving_up_stops_the_load_as_unavailable) {
  auto batch = three_items();
  scripted s;
  for (int i = 0; i < 3; ++i) s.replies.push_back(make_error(errc::unavailable, "connection refused"));
  retry_policy p;
  p.retries = 2;
  auto o = send_batch(batch, "/b", s.fetch(), p, [](auto) {});
  EXPECT_EQ(o.written, 0u);
  EXPECT_EQ(o.failures.size(), 3u);
  EXPECT_EQ(o.fatal_exit, exit_unavailable);
  EXPECT_EQ(o.retries, 2u);
  EXPECT_EQ(o.fatal_message, "error: unavailable: connection refused");
}

TEST(retry, backoff_doubles_up_to_the_cap_with_jitter) {
  retry_policy p;  // 100 ms, doubling, 5 s at most
  EXPECT_EQ(backoff_delay(p, 1, 1.0), 100ms);
  EXPECT_EQ(backoff_delay(p, 2, 1.0), 200ms);
  EXPECT_EQ(backoff_delay(p, 4, 1.0), 800ms);
  EXPECT_EQ(backoff_delay(p, 10, 1.0), 5000ms);
  EXPECT_EQ(backoff_delay(p, 60, 1.0), 5000ms);
  EXPECT_EQ(backoff_delay(p, 2, 0.5), 100ms);
  EXPECT_EQ(backoff_delay(p, 2, 0.0), 100ms);  // jitter clamped to [0.5, 1]
  for (int i = 0; i < 100; ++i) {
    double j = random_jitter();
    EXPECT_GE(j, 0.5);
    EXPECT_LE(j, 1.0);
  }
}

}  // namespace
}  // namespace ropekv::ctl
