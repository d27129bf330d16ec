// The ropekv-router executable against in-process doubles: it prints
// "listening on 127.0.0.1:<port>", reaches placement and the owners by
// address, serves the API, and exits 0 on SIGTERM.
#include "ropekv/test_support/child_process.hpp"
#include "router_fixture.hpp"

namespace ropekv::router::test {

using test_support::child_process;
namespace {

class router_process : public router_fixture {
 protected:
  bool in_process_router() const override { return false; }

  uint16_t launch(std::unique_ptr<child_process>& child) {
    child = std::make_unique<child_process>(std::vector<std::string>{
        ROPEKV_ROUTER_BIN, "--http-port=0", "--placement=" + placement_.address(), "--log-level=warn",
        "--insecure"});
    auto line = child->read_line(10s);
    EXPECT_TRUE(line) << "no 'listening on' line";
    if (!line) return 0;
    const std::string prefix = "listening on 127.0.0.1:";
    EXPECT_EQ(line->rfind(prefix, 0), 0u) << *line;
    return static_cast<uint16_t>(std::stoi(line->substr(prefix.size())));
  }
};

TEST_F(router_process, serves_the_api_and_stops_cleanly_on_sigterm) {
  std::unique_ptr<child_process> child;
  uint16_t port = launch(child);
  ASSERT_NE(port, 0);
  http_client c(port);
  EXPECT_EQ(c.get("/healthz").status, 200u);
  wait_for_rope(port, 1);
  auto put = c.put(item_url("items", hot, "k"), R"({"from":"process"})");
  ASSERT_EQ(put.status, 200u) << put.body;
  auto got = c.get(item_url("items", hot, "k"));
  ASSERT_EQ(got.status, 200u);
  EXPECT_STREQ(got.json()["item"]["from"].GetString(), "process");
  EXPECT_EQ(c.get("/v1/tables").json()["tables"].Size(), 2u);
  // Two routers at once, on their own ports.
  std::unique_ptr<child_process> other;
  uint16_t port2 = launch(other);
  ASSERT_NE(port2, 0);
  EXPECT_NE(port2, port);
  wait_for_rope(port2, 1);
  EXPECT_EQ(http_client(port2).get(item_url("items", hot, "k")).status, 200u);
  EXPECT_EQ(other->stop(10s), 0);
  EXPECT_EQ(child->stop(10s), 0);
}

TEST_F(router_process, bad_flags_exit_with_code_2) {
  child_process child({ROPEKV_ROUTER_BIN, "--http-port=notanumber"});
  EXPECT_FALSE(child.read_line(5s));  // no listening line, just an exit
  EXPECT_EQ(child.stop(5s), 2);
}

}  // namespace
}  // namespace ropekv::router::test
