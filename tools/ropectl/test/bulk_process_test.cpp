// End to end for load and export: the real ropectl binary against a real
// cluster -- ropekv-dev (placement, three owners, the router, in one
// process) on 127.0.0.1 with ports it picks, on a temp data dir, started
// once for the suite and stopped by PID. Progress under a pseudo-terminal,
// --json events, and the exit codes of a missing table and a dead router.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "dev_cluster.hpp"
#include "json_value.hpp"
#include "pty_process.hpp"
#include "subprocess.hpp"

namespace ropekv::ctl {
namespace {

using namespace std::chrono_literals;
using test::process_result;
using test_support::temp_dir;

class bulk_process_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new test::dev_cluster({}, [](const std::string& url) {
      router_ = url;
      return ropectl({"health"}).exit_code == 0;
    });
    router_ = cluster_->router();
    dir_ = &cluster_->dir();
  }
  static void TearDownTestSuite() {
    delete cluster_;  // SIGTERM by PID, then SIGKILL if it lingers
  }
  void SetUp() override { ASSERT_FALSE(router_.empty()) << "ropekv-dev did not start"; }

  static process_result ropectl(std::vector<std::string> args, const std::string& stdin_text = {}) {
    args.insert(args.begin(), {ROPECTL_BINARY, "--router", router_});
    return test::run_process(args, stdin_text, {}, {"ROPEKV_ROUTER"}, 120s);
  }

  /// Creates a table; retried while the cluster is still settling.
  static void create_table(const std::string& name, const std::vector<std::string>& keys) {
    std::vector<std::string> args = {"tables", "create", name};
    args.insert(args.end(), keys.begin(), keys.end());
    process_result r;
    for (int i = 0; i < 50; ++i, std::this_thread::sleep_for(200ms))
      if ((r = ropectl(args)).exit_code == 0) return;
    FAIL() << "tables create " << name << ": " << r.err;
  }

  static std::string write_file(const std::string& name, const std::string& text) {
    std::string path = dir_->file(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  static std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static std::vector<json_value> json_lines(const std::string& text) {
    std::vector<json_value> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      auto v = json_value::parse(line);
      EXPECT_TRUE(v) << "not JSON: " << line;
      if (v) out.push_back(std::move(*v));
    }
    return out;
  }

  static inline temp_dir* dir_ = nullptr;
  static inline test::dev_cluster* cluster_ = nullptr;
  static inline std::string router_;
};

std::string users_jsonl(int n, const std::string& stem = "u") {
  std::string text;
  for (int i = 0; i < n; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "%s%05d", stem.c_str(), i);
    text += R"({"id":")" + std::string(key) + R"(","age":)" + std::to_string(i % 90) + R"(,"name":"n)" +
            std::to_string(i) + "\"}\n";
  }
  return text;
}

TEST_F(bulk_process_test, load_jsonl_then_read_items_back) {
  create_table("users", {"--hash-key", "id"});
  auto r = ropectl({"load", "users", write_file("users.jsonl", users_jsonl(3000)), "--concurrency", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("loaded 3000 of 3000 items into users in ")) << r.out;
  for (auto [key, age] : {std::pair{"u00042", 42}, std::pair{"u02999", 2999 % 90}, std::pair{"u00000", 0}}) {
    auto got = ropectl({"--json", "get", "users", key});
    ASSERT_EQ(got.exit_code, 0) << got.err;
    auto doc = json_value::parse(got.out);
    ASSERT_TRUE(doc);
    EXPECT_EQ(doc->find("item")->find("age")->text(), std::to_string(age));
  }
}

TEST_F(bulk_process_test, load_csv_with_key_columns_and_typed_values) {
  create_table("events", {"--hash-key", "device", "--range-key", "ts"});
  std::string csv = "dev,ts,temp,note\n";
  for (int i = 0; i < 2000; ++i)
    csv += "d" + std::to_string(i % 7) + ",2024-01-" + std::to_string(10000 + i) + "," + std::to_string(i % 40) +
           ".5,\"hi, " + std::to_string(i) + "\"\n";
  // The router from the environment, as for every other command.
  auto r = test::run_process({ROPECTL_BINARY, "load", "events", write_file("events.csv", csv), "--hash-key-column", "dev"},
                             {}, {"ROPEKV_ROUTER=" + router_}, {"ROPEKV_ROUTER"}, 120s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("loaded 2000 of 2000 items into events")) << r.out;
  auto got = ropectl({"get", "events", "d3", "2024-01-10010"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_NE(got.out.find(R"({"dev":"d3","ts":"2024-01-10010","temp":10.5,"note":"hi, 10"})"), std::string::npos) << got.out;
  auto page = ropectl({"query", "events", "d0", "--all"});
  EXPECT_EQ(std::count(page.out.begin(), page.out.end(), '\n'), 286) << page.err;  // i % 7 == 0 for i < 2000
}

TEST_F(bulk_process_test, export_gives_back_what_was_loaded_and_loads_again) {
  create_table("catalog", {"--hash-key", "id"});
  std::string input = users_jsonl(2500, "c");
  ASSERT_EQ(ropectl({"load", "catalog", write_file("catalog.jsonl", input)}).exit_code, 0);
  std::string exported = dir_->file("catalog.export.jsonl");
  auto e = ropectl({"export", "catalog", exported});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_TRUE(e.err.find("exported 2500 items from catalog") != std::string::npos) << e.err;
  std::map<std::string, std::string> loaded, got;
  for (const auto& v : json_lines(input)) loaded[v.find("id")->text()] = v.to_json();
  std::vector<std::string> order;
  for (const auto& v : json_lines(read_file(exported))) {
    order.push_back(v.find("hash_key")->text());
    got[v.find("hash_key")->text()] = v.find("item")->to_json();
  }
  EXPECT_EQ(order.size(), 2500u);
  EXPECT_EQ(got, loaded);
  // Rope order is a stable order: export to stdout gives the same lines.
  auto again = ropectl({"export", "catalog"});
  ASSERT_EQ(again.exit_code, 0);
  auto lines = json_lines(again.out);
  ASSERT_EQ(lines.size(), order.size());
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(lines[i].find("hash_key")->text(), order[i]) << i;
  // The export format loads back as it is.
  create_table("catalog_copy", {"--hash-key", "id"});
  auto copy = ropectl({"load", "catalog_copy", exported});
  EXPECT_EQ(copy.exit_code, 0) << copy.err;
  auto copied = ropectl({"export", "catalog_copy", "-"});
  std::map<std::string, std::string> round;
  for (const auto& v : json_lines(copied.out)) round[v.find("hash_key")->text()] = v.find("item")->to_json();
  EXPECT_EQ(round, loaded);
}

TEST_F(bulk_process_test, progress_on_a_terminal_is_redrawn_with_rate_and_eta) {
  create_table("ptytable", {"--hash-key", "id"});
  std::string file = write_file("pty.jsonl", users_jsonl(3000, "p"));
  // Small sequential batches and a short interval, so the load takes many
  // updates however fast the machine is.
  auto r = test::run_in_pty({ROPECTL_BINARY, "load", "ptytable", file, "--concurrency", "1", "--batch-size", "10",
                             "--progress-every", "0.05"},
                            {"ROPEKV_ROUTER=" + router_}, {"ROPEKV_ROUTER"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> updates;
  std::string current;
  for (char c : r.output) {
    if (c == '\r' || c == '\n') {
      if (!current.empty()) updates.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  size_t with_eta = 0, with_bar = 0;
  for (const auto& u : updates) {
    if (u.starts_with("load ptytable") && u.find("items/s") != std::string::npos && u.find("ETA ") != std::string::npos)
      ++with_eta;
    if (u.find("[#") != std::string::npos || u.find("[-") != std::string::npos) ++with_bar;
    EXPECT_LE(u.size(), 119u) << u;  // fits the 120-column terminal
  }
  EXPECT_GE(with_eta, 2u) << r.output;
  EXPECT_GE(with_bar, 2u) << r.output;
  EXPECT_NE(r.output.find("load ptytable  [##############################]  100%  3000 items"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("loaded 3000 of 3000 items into ptytable"), std::string::npos);
  // Without a terminal: whole lines, no carriage returns.
  auto piped = ropectl({"load", "ptytable", file, "--progress-every", "0.05", "--batch-size", "10", "--concurrency", "1"});
  EXPECT_EQ(piped.exit_code, 0);
  EXPECT_EQ(piped.err.find('\r'), std::string::npos);
  EXPECT_NE(piped.err.find("load ptytable"), std::string::npos) << piped.err;
}

TEST_F(bulk_process_test, json_mode_prints_events_and_a_summary) {
  create_table("jsontable", {"--hash-key", "id"});
  std::string input = users_jsonl(1500, "j") + "{not json\n" + R"({"name":"no id"})" + "\n";
  auto r = ropectl({"--json", "load", "jsontable", "-", "--progress-every", "0.05", "--batch-size", "10",
                    "--concurrency", "1"},
                   input);
  EXPECT_EQ(r.exit_code, 7) << r.err;  // partial: two lines failed
  auto events = json_lines(r.out);
  ASSERT_GE(events.size(), 3u);
  size_t progress = 0, failures = 0;
  for (const auto& e : events) {
    std::string kind = e.find("event")->text();
    progress += kind == "progress";
    if (kind == "failure") {
      ++failures;
      EXPECT_EQ(e.find("code")->text(), "bad_input");
    }
  }
  EXPECT_GE(progress, 1u);
  EXPECT_EQ(failures, 2u);
  const json_value& summary = events.back();
  EXPECT_EQ(summary.find("event")->text(), "summary");
  EXPECT_EQ(summary.find("items")->text(), "1502");
  EXPECT_EQ(summary.find("written")->text(), "1500");
  EXPECT_EQ(summary.find("failed")->text(), "2");
  EXPECT_EQ(summary.find("bytes")->text(), std::to_string(input.size()));
  EXPECT_EQ(summary.find("exit_code")->text(), "7");
  EXPECT_TRUE(summary.find("seconds")->is_number());
  EXPECT_TRUE(summary.find("items_per_s")->is_number());
  EXPECT_EQ(ropectl({"get", "jsontable", "j01499"}).exit_code, 0);
}

TEST_F(bulk_process_test, missing_table_exits_3) {
  auto load = ropectl({"load", "no_such_table", write_file("few.jsonl", users_jsonl(5))});
  EXPECT_EQ(load.exit_code, 3);
  EXPECT_TRUE(load.err.starts_with("error: not_found: ")) << load.err;
  auto exp = ropectl({"export", "no_such_table"});
  EXPECT_EQ(exp.exit_code, 3);
  EXPECT_NE(exp.err.find("error: not_found: "), std::string::npos) << exp.err;
  EXPECT_EQ(ropectl({"get", "no_such_table", "k"}).exit_code, 3);
}

TEST_F(bulk_process_test, unreachable_router_exits_5) {
  // A port that was just free: bound, then released.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor probe(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  std::string gone = "http://127.0.0.1:" + std::to_string(probe.local_endpoint().port());
  probe.close();
  std::string file = write_file("gone.jsonl", users_jsonl(5));
  for (const auto& args : std::vector<std::vector<std::string>>{{"load", "users", file, "--retries", "1"},
                                                                {"export", "users", "--retries", "1"},
                                                                {"health"}}) {
    std::vector<std::string> argv = {ROPECTL_BINARY, "--router", gone};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = test::run_process(argv, {}, {}, {"ROPEKV_ROUTER"});
    EXPECT_EQ(r.exit_code, 5) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("error: unreachable: "), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace ropekv::ctl
