#include <gtest/gtest.h>

#include "cli_parser.hpp"

namespace ropekv::ctl {
namespace {

parse_outcome run(std::vector<std::string> args, const char* env = nullptr) {
  args.insert(args.begin(), "ropectl");
  return parse_args(args, env);
}

command parsed(std::vector<std::string> args) {
  auto out = run(std::move(args));
  EXPECT_TRUE(out.args.has_value()) << out.err;
  return out.args ? out.args->cmd : command{};
}

TEST(cli_parser, global_options_before_or_after_the_subcommand) {
  auto a = run({"--router", "http://r:1", "--json", "--timeout", "2.5", "cluster"});
  ASSERT_TRUE(a.args);
  EXPECT_EQ(a.args->global.router_url, "http://r:1");
  EXPECT_TRUE(a.args->global.json);
  EXPECT_DOUBLE_EQ(a.args->global.timeout_seconds, 2.5);
  EXPECT_EQ(a.args->cmd.kind, command_kind::cluster);

  auto b = run({"get", "t1x", "h", "--json", "--router", "r:2"});
  ASSERT_TRUE(b.args) << b.err;
  EXPECT_TRUE(b.args->global.json);
  EXPECT_EQ(b.args->global.router_url, "r:2");
}

TEST(cli_parser, router_from_flag_env_or_default) {
  EXPECT_EQ(run({"health"}).args->global.router_url, "http://127.0.0.1:8080");
  EXPECT_EQ(run({"health"}, "http://env:9").args->global.router_url, "http://env:9");
  EXPECT_EQ(run({"--router", "http://flag:1", "health"}, "http://env:9").args->global.router_url,
            "http://flag:1");
}

TEST(cli_parser, tables_subcommands) {
  EXPECT_EQ(parsed({"tables", "list"}).kind, command_kind::tables_list);
  command c = parsed({"tables", "create", "events", "--hash-key", "src", "--range-key", "ts",
                      "--local-index", "kind", "--replication", "5", "--default-ttl", "600", "--segments", "16"});
  EXPECT_EQ(c.kind, command_kind::tables_create);
  EXPECT_EQ(c.table, "events");
  EXPECT_EQ(c.table_spec.hash_key, "src");
  EXPECT_EQ(c.table_spec.range_key, "ts");
  EXPECT_EQ(c.table_spec.local_index, "kind");
  EXPECT_EQ(c.table_spec.replication, 5u);
  EXPECT_EQ(c.table_spec.default_ttl, 600u);
  EXPECT_EQ(c.table_spec.segments, 16u);
  command minimal = parsed({"tables", "create", "users", "--hash-key", "id"});
  EXPECT_EQ(minimal.table_spec.range_key, std::nullopt);
  EXPECT_EQ(minimal.table_spec.replication, std::nullopt);
  EXPECT_EQ(parsed({"tables", "get", "users"}).kind, command_kind::tables_get);
  EXPECT_EQ(parsed({"tables", "delete", "users"}).kind, command_kind::tables_delete);
}

TEST(cli_parser, item_subcommands) {
  command put = parsed({"put", "t1x", "h", "r", "--item", "{}", "--ttl", "60", "--if", "absent"});
  EXPECT_EQ(put.kind, command_kind::put);
  EXPECT_EQ(put.hash_key, "h");
  EXPECT_EQ(put.range_key, "r");
  EXPECT_EQ(put.item_arg, "{}");
  EXPECT_EQ(put.write.ttl, 60u);
  EXPECT_EQ(put.write.condition, "absent");
  command stdin_put = parsed({"put", "t1x", "h"});
  EXPECT_EQ(stdin_put.item_arg, std::nullopt);
  EXPECT_EQ(stdin_put.range_key, std::nullopt);

  command get = parsed({"get", "t1x", "h", "--consistency", "eventual", "--as-of", "9"});
  EXPECT_EQ(get.kind, command_kind::get);
  EXPECT_EQ(get.read.consistency, "eventual");
  EXPECT_EQ(get.read.as_of, 9u);

  command del = parsed({"delete", "t1x", "h", "r", "--if-version", "010"});
  EXPECT_EQ(del.kind, command_kind::del);
  EXPECT_EQ(del.write.if_version, 10u);  // decimal, not octal
  EXPECT_EQ(parsed({"get", "t1x", "h", "--as-of", "18446744073709551615"}).read.as_of,
            18446744073709551615ull);

  // "--" ends the options, so keys may start with '-'.
  command dash = parsed({"get", "t1x", "--", "-h", "-r"});
  EXPECT_EQ(dash.hash_key, "-h");
  EXPECT_EQ(dash.range_key, "-r");
}

TEST(cli_parser, query_and_scan) {
  command q = parsed({"query", "t1x", "h", "--from", "a", "--to", "z", "--limit", "10", "--reverse",
                      "--index", "local", "--all", "--cursor", "C"});
  EXPECT_EQ(q.kind, command_kind::query);
  EXPECT_EQ(q.range.from, "a");
  EXPECT_EQ(q.range.to, "z");
  EXPECT_EQ(q.range.limit, 10u);
  EXPECT_TRUE(q.range.reverse);
  EXPECT_TRUE(q.range.local_index);
  EXPECT_TRUE(q.range.all);
  EXPECT_EQ(q.range.cursor, "C");
  command s = parsed({"scan", "t1x", "--limit", "5"});
  EXPECT_EQ(s.kind, command_kind::scan);
  EXPECT_EQ(s.range.limit, 5u);
  EXPECT_FALSE(s.range.all);
}

TEST(cli_parser, partition_rollback_cluster_health) {
  command p = parsed({"partition", "t1x", "65535"});
  EXPECT_EQ(p.kind, command_kind::partition);
  EXPECT_EQ(p.partition, 65535u);
  command r = parsed({"rollback", "t1x", "7", "--to-version", "12"});
  EXPECT_EQ(r.kind, command_kind::rollback);
  EXPECT_EQ(r.partition, 7u);
  EXPECT_EQ(r.to_version, 12u);
  EXPECT_EQ(parsed({"cluster"}).kind, command_kind::cluster);
  EXPECT_EQ(parsed({"health"}).kind, command_kind::health);
}

TEST(cli_parser, usage_errors_exit_2) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"nosuch"},
      {"tables"},
      {"tables", "create", "t1x"},                              // --hash-key missing
      {"get", "t1x"},                                           // hash missing
      {"put", "t1x", "h", "--if", "maybe"},                     // not a choice
      {"put", "t1x", "h", "--if", "absent", "--if-version", "3"},  // exclusive
      {"get", "t1x", "h", "--consistency", "weak"},
      {"get", "t1x", "h", "--as-of", "-1"},
      {"query", "t1x", "h", "--limit", "0"},
      {"query", "t1x", "h", "--index", "global"},
      {"partition", "t1x", "65536"},
      {"rollback", "t1x", "7"},                                 // --to-version missing
      {"--timeout", "0", "health"},
      {"--timeout", "nan", "health"},
      {"delete", "t1x", "h", "--if-version", "0x10"},  // decimal only
      {"put", "t1x", "h", "--ttl", "1e3"},
      {"get", "t1x", "h", "--as-of", "18446744073709551616"},  // 2^64
      {"--router", "https://r:1", "health"},
      {"--router", "http://r:99999", "health"},
  };
  for (const auto& args : bad) {
    auto out = run(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_FALSE(out.args.has_value()) << joined;
    EXPECT_EQ(out.exit_code, exit_usage) << joined;
    EXPECT_FALSE(out.err.empty()) << joined;
  }
}

TEST(cli_parser, help_exits_0_with_usage_on_stdout) {
  auto top = run({"--help"});
  EXPECT_FALSE(top.args);
  EXPECT_EQ(top.exit_code, exit_ok);
  EXPECT_NE(top.out.find("Subcommands:"), std::string::npos);
  auto put = run({"put", "--help"});
  EXPECT_EQ(put.exit_code, exit_ok);
  EXPECT_NE(put.out.find("--if-version"), std::string::npos);
}

TEST(cli_parser, watch) {
  auto a = run({"watch", "orders", "--prefix", "cust-", "--events", "create,update", "--from", "T0",
                "--count", "2", "--timeout", "1.5"});
  ASSERT_TRUE(a.args) << a.err;
  const command& c = a.args->cmd;
  EXPECT_EQ(c.kind, command_kind::watch);
  EXPECT_EQ(c.table, "orders");
  EXPECT_EQ(c.watch.prefix, "cust-");
  EXPECT_EQ(c.watch.hash_key, std::nullopt);
  EXPECT_EQ(c.watch.events, (std::vector<std::string>{"create", "update"}));
  EXPECT_EQ(c.watch.from, "T0");
  EXPECT_EQ(c.watch.count, 2u);
  EXPECT_EQ(c.watch.idle_timeout_seconds, 1.5);  // --timeout means "without an event" for watch
  EXPECT_EQ(c.watch.notifier_url, "ws://127.0.0.1:8088/v1/ws");

  command plain = parsed({"watch", "orders", "--hash-key", "cust-42"});
  EXPECT_EQ(plain.watch.hash_key, "cust-42");
  EXPECT_TRUE(plain.watch.events.empty());
  EXPECT_EQ(plain.watch.idle_timeout_seconds, std::nullopt);  // default: wait for ever
  EXPECT_EQ(plain.watch.count, std::nullopt);
}

TEST(cli_parser, notifier_from_flag_env_or_default) {
  auto env = run({"watch", "orders"}, nullptr);
  EXPECT_EQ(env.args->cmd.watch.notifier_url, "ws://127.0.0.1:8088/v1/ws");
  auto from_env = parse_args({"ropectl", "watch", "orders"}, nullptr, "ws://n:9/v1/ws");
  ASSERT_TRUE(from_env.args);
  EXPECT_EQ(from_env.args->cmd.watch.notifier_url, "ws://n:9/v1/ws");
  auto flag = parse_args({"ropectl", "watch", "orders", "--notifier", "ws://f:1"}, nullptr, "ws://n:9");
  ASSERT_TRUE(flag.args);
  EXPECT_EQ(flag.args->cmd.watch.notifier_url, "ws://f:1");
  auto bad = parse_args({"ropectl", "watch", "orders"}, nullptr, "wss://n:9");
  EXPECT_EQ(bad.exit_code, exit_usage);
  EXPECT_NE(bad.err.find("bad notifier URL"), std::string::npos) << bad.err;
}

TEST(cli_parser, hooks) {
  command put = parsed({"hooks", "put", "ship", "--url", "http://h/x", "--table", "orders", "--events",
                        "create,delete", "--prefix", "cust-", "--secret", "whsec_AAAA"});
  EXPECT_EQ(put.kind, command_kind::hooks_put);
  EXPECT_EQ(put.hook_name, "ship");
  EXPECT_EQ(put.table, "orders");
  EXPECT_EQ(put.hook.url, "http://h/x");
  EXPECT_EQ(put.hook.events, (std::vector<std::string>{"create", "delete"}));
  EXPECT_EQ(put.hook.prefix, "cust-");
  EXPECT_EQ(put.hook.secret, "whsec_AAAA");
  command minimal = parsed({"hooks", "put", "ship", "--url", "http://h/x", "--table", "orders"});
  EXPECT_EQ(minimal.hook.secret, std::nullopt);  // generated by the runner
  EXPECT_TRUE(minimal.hook.events.empty());
  EXPECT_EQ(parsed({"hooks", "list"}).kind, command_kind::hooks_list);
  command get = parsed({"hooks", "get", "ship"});
  EXPECT_EQ(get.kind, command_kind::hooks_get);
  EXPECT_EQ(get.hook_name, "ship");
  command del = parsed({"hooks", "delete", "ship"});
  EXPECT_EQ(del.kind, command_kind::hooks_delete);
  EXPECT_EQ(del.hook_name, "ship");
}

TEST(cli_parser, watch_and_hooks_usage_errors_exit_2) {
  const std::vector<std::vector<std::string>> bad = {
      {"watch"},                                                       // table missing
      {"watch", "orders", "--prefix", "a", "--hash-key", "b"},         // exclusive
      {"watch", "orders", "--events", "create,upsert"},                // not a kind
      {"watch", "orders", "--count", "0"},
      {"watch", "orders", "--notifier", "http://n:1"},                 // ws:// only
      {"hooks"},
      {"hooks", "put", "ship", "--table", "orders"},                   // --url missing
      {"hooks", "put", "ship", "--url", "http://h"},                   // --table missing
      {"hooks", "put", "ship", "--url", "http://h", "--table", "t1x", "--events", "all"},
      {"hooks", "get"},
  };
  for (const auto& args : bad) {
    auto out = run(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_FALSE(out.args.has_value()) << joined;
    EXPECT_EQ(out.exit_code, exit_usage) << joined;
    EXPECT_FALSE(out.err.empty()) << joined;
  }
}

TEST(cli_parser, help_lists_watch_and_hooks) {
  auto top = run({"--help"});
  EXPECT_NE(top.out.find("watch"), std::string::npos);
  EXPECT_NE(top.out.find("hooks"), std::string::npos);
  EXPECT_NE(top.out.find("ROPEKV_NOTIFIER"), std::string::npos);
  EXPECT_NE(top.out.find("resume token"), std::string::npos);
  auto watch = run({"watch", "--help"});
  EXPECT_EQ(watch.exit_code, exit_ok);
  EXPECT_NE(watch.out.find("--hash-key"), std::string::npos);
  EXPECT_NE(watch.out.find("--notifier"), std::string::npos);
  auto put = run({"hooks", "put", "--help"});
  EXPECT_NE(put.out.find("--secret"), std::string::npos);
}

TEST(cli_parser, index_subcommands) {
  command create = parsed({"index", "create", "users", "by_city", "--attribute", "address.city", "--type",
                           "number", "--projection", "keys", "--unique", "--wait"});
  EXPECT_EQ(create.kind, command_kind::index_create);
  EXPECT_EQ(create.table, "users");
  EXPECT_EQ(create.index.name, "by_city");
  EXPECT_EQ(create.index.attribute, "address.city");
  EXPECT_EQ(create.index.type, "number");
  EXPECT_EQ(create.index.projection, "keys");
  EXPECT_TRUE(create.index.unique);
  EXPECT_TRUE(create.index.wait);
  command minimal = parsed({"index", "create", "users", "by_city", "--attribute", "city"});
  EXPECT_EQ(minimal.index.type, std::nullopt);  // the router's defaults apply
  EXPECT_EQ(minimal.index.projection, std::nullopt);
  EXPECT_FALSE(minimal.index.unique);
  EXPECT_FALSE(minimal.index.wait);

  command list = parsed({"index", "list", "users"});
  EXPECT_EQ(list.kind, command_kind::index_list);
  EXPECT_EQ(list.table, "users");
  EXPECT_EQ(parsed({"index", "get", "users", "by_city"}).kind, command_kind::index_get);
  command del = parsed({"index", "delete", "users", "by_city"});
  EXPECT_EQ(del.kind, command_kind::index_delete);
  EXPECT_EQ(del.index.name, "by_city");

  command eq = parsed({"index", "query", "users", "by_city", "--eq", "Oslo", "--after", "T1,T2", "--after",
                       "T3", "--limit", "1000", "--cursor", "C", "--all", "--json"});
  EXPECT_EQ(eq.kind, command_kind::index_query);
  EXPECT_EQ(eq.index.eq, "Oslo");
  EXPECT_EQ(eq.index.after, (std::vector<std::string>{"T1", "T2", "T3"}));
  EXPECT_EQ(eq.range.limit, 1000u);
  EXPECT_EQ(eq.range.cursor, "C");
  EXPECT_TRUE(eq.range.all);
  command range = parsed({"index", "query", "users", "by_city", "--from", "A", "--to", "M", "--reverse"});
  EXPECT_EQ(range.index.eq, std::nullopt);
  EXPECT_EQ(range.range.from, "A");
  EXPECT_EQ(range.range.to, "M");
  EXPECT_TRUE(range.range.reverse);
  EXPECT_TRUE(range.index.after.empty());
  EXPECT_EQ(parsed({"index", "query", "users", "by_city", "--to", "M"}).range.from, std::nullopt);
  command first = parsed({"index", "query", "--after", "T1", "users", "by_city"});
  EXPECT_EQ(first.table, "users");
  EXPECT_EQ(first.index.name, "by_city");
  EXPECT_EQ(first.index.after, (std::vector<std::string>{"T1"}));
}

TEST(cli_parser, index_usage_errors_exit_2) {
  const std::vector<std::vector<std::string>> bad = {
      {"index"},
      {"index", "create", "users", "by_city"},                                   // --attribute missing
      {"index", "create", "users", "--attribute", "a"},                          // name missing
      {"index", "create", "users", "by_city", "--attribute", "a", "--type", "bool"},
      {"index", "create", "users", "by_city", "--attribute", "a", "--projection", "some"},
      {"index", "create", "users", "by_city", "--attribute", "a", "--unique=maybe"},
      {"index", "list"},
      {"index", "get", "users"},
      {"index", "delete", "users"},
      {"index", "query", "users"},
      {"index", "query", "users", "by_city", "--eq", "a", "--from", "b"},        // exclusive
      {"index", "query", "users", "by_city", "--eq", "a", "--to", "b"},
      {"index", "query", "users", "by_city", "--limit", "0"},
      {"index", "query", "users", "by_city", "--limit", "1001"},
      {"index", "query", "users", "by_city", "--after", ""},
      {"index", "query", "users", "by_city", "--after", "T1,,T2"},
      {"index", "query", "users", "by_city", "--after", "T1,"},
      {"index", "query", "users", "by_city", "--after"},                       // token missing
      {"index", "query", "users", "by_city", "--wait"},                         // create only
      {"index", "get", "users", "by_city", "--eq", "a"},                        // query only
  };
  for (const auto& args : bad) {
    auto out = run(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_FALSE(out.args.has_value()) << joined;
    EXPECT_EQ(out.exit_code, exit_usage) << joined;
    EXPECT_FALSE(out.err.empty()) << joined;
  }
}

TEST(cli_parser, split_write_tokens) {
  using tokens = std::vector<std::string>;
  EXPECT_EQ(split_write_tokens({}).value(), tokens{});
  EXPECT_EQ(split_write_tokens({"T1"}).value(), tokens{"T1"});
  EXPECT_EQ(split_write_tokens({"T1,T-2_x", "T3"}).value(), (tokens{"T1", "T-2_x", "T3"}));
  for (const tokens& bad : {tokens{""}, tokens{"T1,,T2"}, tokens{"T1,"}, tokens{",T1"}, tokens{"T1", ""}}) {
    auto r = split_write_tokens(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::invalid_argument);
  }
  auto usage = run({"index", "query", "users", "by_city", "--after", "T1,,T2"});
  EXPECT_EQ(usage.err, "error: usage: --after: empty write token in 'T1,,T2'\n");
}

TEST(cli_parser, help_lists_index) {
  auto top = run({"--help"});
  EXPECT_NE(top.out.find("index"), std::string::npos);
  auto create = run({"index", "create", "--help"});
  EXPECT_EQ(create.exit_code, exit_ok);
  EXPECT_NE(create.out.find("--wait"), std::string::npos);
  EXPECT_NE(create.out.find("--projection"), std::string::npos);
  auto query = run({"index", "query", "--help"});
  EXPECT_NE(query.out.find("--after"), std::string::npos);
}

}  // namespace
}  // namespace ropekv::ctl
