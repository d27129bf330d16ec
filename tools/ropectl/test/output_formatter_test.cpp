// Human output for each response shape the router sends
// (services/router/responses.hpp, item_json.hpp).
#include <gtest/gtest.h>

#include "output_formatter.hpp"

namespace ropekv::ctl {
namespace {

json_value json(std::string_view text) {
  auto v = json_value::parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v ? std::move(v).value() : json_value{};
}

command item_command(command_kind kind, std::string hash, std::optional<std::string> range = {}) {
  command c;
  c.kind = kind;
  c.table = "users";
  c.hash_key = std::move(hash);
  c.range_key = std::move(range);
  return c;
}

TEST(output_formatter, item_line) {
  EXPECT_EQ(format_item(json(R"({"hash_key":"u1","range_key":"2024","version":17,"item":{"n":1.50}})")),
            "u1 2024  v=17  {\"n\":1.50}\n");
  EXPECT_EQ(format_item(json(R"({"hash_key":"u1","version":3,"item":{}})")), "u1  v=3  {}\n");
}

TEST(output_formatter, binary_keys_arrive_as_base64_and_print_escaped) {
  auto item = json(R"({"hash_key_base64":"AP8=","range_key":"r/1","version":1,"item":{"a":[1,2]}})");
  EXPECT_EQ(format_item(item), "\\x00\\xff r/1  v=1  {\"a\":[1,2]}\n");
}

TEST(output_formatter, expiring_item_shows_utc_time) {
  auto item = json(R"({"hash_key":"k","version":2,"expires_at_ms":1700000000000,"item":{}})");
  EXPECT_EQ(format_item(item), "k  v=2  {}  expires=2023-11-14T22:13:20.000Z\n");
}

TEST(output_formatter, page_items_one_line_each_and_cursor) {
  auto page = json(R"({"items":[{"hash_key":"a","version":1,"item":{"x":1}},
                                {"hash_key":"b","version":2,"item":{"x":2}}],"cursor":"Q1VS"})");
  EXPECT_EQ(format_items(page), "a  v=1  {\"x\":1}\nb  v=2  {\"x\":2}\n");
  EXPECT_EQ(page_cursor(page), "Q1VS");
  EXPECT_EQ(page_cursor(json(R"({"items":[]})")), std::nullopt);
  EXPECT_EQ(page_cursor(json(R"({"items":[],"cursor":""})")), std::nullopt);
}

TEST(output_formatter, a_single_item_counts_as_a_page_and_a_page_answers_get) {
  // query on a table without a range key: the router answers the item itself.
  auto item = json(R"({"hash_key":"h","version":4,"item":{"a":1}})");
  EXPECT_EQ(page_items(item).size(), 1u);
  EXPECT_EQ(format_items(item), "h  v=4  {\"a\":1}\n");
  EXPECT_TRUE(page_items(json(R"({"items":[]})")).empty());
  // get without a range key on a table with one: the router answers a page.
  command get = item_command(command_kind::get, "h");
  EXPECT_EQ(format_success(get, json(R"({"items":[{"hash_key":"h","range_key":"r","version":1,"item":{}}]})")),
            "h r  v=1  {}\n");
}

TEST(output_formatter, columns_align_by_code_points) {
  EXPECT_EQ(format_columns({{"A", "BB", "C"}, {"long", "x", "y"}, {"\xc3\xa9t\xc3\xa9", "", "z"}}),
            "A     BB  C\n"
            "long  x   y\n"
            "\xc3\xa9t\xc3\xa9   "
            "    z\n");
}

TEST(output_formatter, tables_list) {
  auto body = json(R"({"tables":[
      {"name":"users","id":1,"hash_key":"id","replication":3},
      {"name":"events","id":2,"hash_key":"src","range_key":"ts","local_index":"kind","replication":5,"default_ttl":600}]})");
  command c;
  c.kind = command_kind::tables_list;
  EXPECT_EQ(format_success(c, body),
            "NAME    HASH_KEY  RANGE_KEY  LOCAL_INDEX  REPLICATION  DEFAULT_TTL\n"
            "users   id        -          -            3            -\n"
            "events  src       ts         kind         5            600\n");
  EXPECT_EQ(format_success(c, json(R"({"tables":[]})")), "(no tables)\n");
}

TEST(output_formatter, table_and_partition_as_fields) {
  command c;
  c.kind = command_kind::tables_get;
  EXPECT_EQ(format_success(c, json(R"({"name":"users","id":1,"hash_key":"id","replication":3})")),
            "name:         users\nid:           1\nhash_key:     id\nreplication:  3\n");
  c.kind = command_kind::partition;
  EXPECT_EQ(format_success(c, json(R"({"table":"t","partition":7,"items":2,"bytes":90,"head_version":17,"segments":[4,5]})")),
            "table:         t\npartition:     7\nitems:         2\nbytes:         90\n"
            "head_version:  17\nsegments:      [4,5]\n");
}

TEST(output_formatter, writes_and_reads) {
  command put = item_command(command_kind::put, "h", "r");
  EXPECT_EQ(format_success(put, json(R"({"version":17,"created":true})")), "h r  v=17  created\n");
  EXPECT_EQ(format_success(put, json(R"({"version":18,"created":false})")), "h r  v=18  updated\n");
  command del = item_command(command_kind::del, "h\n");
  EXPECT_EQ(format_success(del, json(R"({"version":19})")), "deleted h\\x0a  v=19\n");
  EXPECT_EQ(format_success(del, json_value::make(json_value::kind::object)), "deleted h\\x0a\n");
  command get = item_command(command_kind::get, "h", "r");
  EXPECT_EQ(format_success(get, json(R"({"hash_key":"h","range_key":"r","version":5,"item":{"a":true}})")),
            "h r  v=5  {\"a\":true}\n");
  // Keys missing from the answer come from the command.
  EXPECT_EQ(format_success(get, json(R"({"version":5,"item":{}})")), "h r  v=5  {}\n");
}

TEST(output_formatter, admin_messages) {
  command c;
  c.table = "users";
  c.kind = command_kind::tables_create;
  EXPECT_EQ(format_success(c, json("{}")), "created table users\n");
  c.kind = command_kind::tables_delete;
  EXPECT_EQ(format_success(c, json("{}")), "deleted table users\n");
  c.kind = command_kind::rollback;
  c.partition = 7;
  c.to_version = 12;
  EXPECT_EQ(format_success(c, json(R"({"table":"users","partition":7,"to_version":12,"segments":[4]})")),
            "rolled back partition 7 of users to version 12\n");
  c.kind = command_kind::health;
  EXPECT_EQ(format_success(c, json(R"({"status":"ok"})")), "ok\n");
}

TEST(output_formatter, cluster) {
  auto body = json(R"({"rope_version":9,"router_rope_version":8,
    "nodes":[{"id":1,"address":"10.0.0.1:4000","labels":{"dc":"eu","rack":"r1","host":"h1","numa":"0"},"capacity_bytes":100,"alive":true,"draining":true},
             {"id":2,"address":"10.0.0.2:4000","labels":{"dc":"eu","rack":"r2","host":"h2","numa":""},"capacity_bytes":100,"alive":false}],
    "segments":[{"id":4,"table":"users","start_key":"00000001","end_key":"","epoch":3,"replicas":[1,2],"leader_hint":1,
                 "stats":{"bytes":2048,"items":10,"reads_per_s":0.5,"writes_per_s":0}},
                {"id":5,"start_key":"","end_key":"00000001","epoch":1,"replicas":[],"leader_hint":0,"stats":{"bytes":0,"items":0}}],
    "moves_in_flight":1,"moves":[{"segment":4,"from_node":2,"to_node":3,"target_epoch":4,"reason":"repair",
                                     "kind":"repair","state":"target_hosting","age_ms":65000},
                                    {"segment":5,"from_node":1,"to_node":3,"target_epoch":2,"reason":"drain"}],
    "unhealthy":[{"segment":4,"replication":3,"usable_replicas":1,"domains":1,"under_protected":true,"quorum_lost":true}]})");
  EXPECT_EQ(format_cluster(body),
            "rope version 9 (router has 8), moves in flight 1\n"
            "\n"
            "NODE  ADDRESS        DC  RACK  HOST  NUMA  ALIVE  DRAINING\n"
            "1     10.0.0.1:4000  eu  r1    h1    0     yes    yes\n"
            "2     10.0.0.2:4000  eu  r2    h2    -     no     -\n"
            "\n"
            "SEGMENT  TABLE  EPOCH  REPLICAS  LEADER  ITEMS  BYTES  START     END\n"
            "4        users  3      1,2       1       10     2048   00000001  +inf\n"
            "5        -      1      -         0       0      0      -inf      00000001\n"
            "\n"
            "MOVING  KIND    STATE           FROM  TO  AGE    TARGET_EPOCH  REASON\n"
            "4       repair  target_hosting  2     3   1m05s  4             repair\n"
            "5       -       -               1     3   -      2             drain\n"
            "\n"
            "UNHEALTHY  REPLICATION  USABLE  DOMAINS  UNDER_PROTECTED  QUORUM_LOST\n"
            "4          3            1       1        yes              yes\n");
  EXPECT_EQ(format_cluster(json(R"({"rope_version":1,"nodes":[],"segments":[]})")),
            "rope version 1\n\nnodes: none\n\nsegments: none\n");
}

TEST(output_formatter, errors) {
  EXPECT_EQ(format_error(404, R"({"error":{"code":"not_found","message":"no such item"}})"),
            "error: not_found: no such item");
  EXPECT_EQ(format_error(502, "<html>Bad Gateway</html>\nmore"), "error: http_502: <html>Bad Gateway</html>");
  EXPECT_EQ(format_error(500, ""), "error: http_500: HTTP status 500");
}

TEST(output_formatter, shell_quote) {
  EXPECT_EQ(shell_quote("eyJh-_Zz09"), "eyJh-_Zz09");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

const char* hook_json = R"({"name":"ship","url":"https://h.example/in","table":"orders",
  "events":["create","update"],"prefix":"","created_ms":1700000000000,"secret_set":true,
  "state":{"notifier":2,"delivered":41,"pending":3,"last_status":503,"last_error":"HTTP 503",
  "last_attempt_ms":1700000001000,"last_success_ms":0,"attempts":4,"failing":true,"next_attempt_ms":1700000300000}})";

TEST(output_formatter, hooks_list_as_a_table) {
  auto body = json(std::string(R"({"hooks":[)") + hook_json + R"(,
    {"name":"audit","url":"http://a/b","table":"users","events":[],"prefix":"u-","created_ms":1,
     "state":{"notifier":0,"delivered":0,"pending":0,"last_status":0,"failing":false}}]})");
  EXPECT_EQ(format_hooks(body),
            "NAME   TABLE   URL                   STATE    DELIVERED  PENDING  LAST_STATUS\n"
            "ship   orders  https://h.example/in  failing  41         3        503\n"
            "audit  users   http://a/b            ok       0          0        -\n");
  EXPECT_EQ(format_hooks(json(R"({"hooks":[]})")), "(no hooks)\n");
}

TEST(output_formatter, one_hook_with_its_state) {
  EXPECT_EQ(format_hook(json(hook_json)),
            "name:          ship\n"
            "table:         orders\n"
            "url:           https://h.example/in\n"
            "events:        create,update\n"
            "prefix:        -\n"
            "created:       2023-11-14T22:13:20.000Z\n"
            "state:         failing\n"
            "notifier:      2\n"
            "delivered:     41\n"
            "pending:       3\n"
            "attempts:      4\n"
            "last_status:   503\n"
            "last_error:    HTTP 503\n"
            "last_attempt:  2023-11-14T22:13:21.000Z\n"
            "last_success:  -\n"
            "next_attempt:  2023-11-14T22:18:20.000Z\n");
  command get;
  get.kind = command_kind::hooks_get;
  EXPECT_EQ(format_success(get, json(hook_json)), format_hook(json(hook_json)));
}

TEST(output_formatter, hook_put_says_created_or_replaced) {
  command put;
  put.kind = command_kind::hooks_put;
  put.hook_name = "ship";
  EXPECT_EQ(format_success(put, json(hook_json), 201), "created hook ship\n");
  EXPECT_EQ(format_success(put, json(hook_json), 200), "replaced hook ship\n");
  command del;
  del.kind = command_kind::hooks_delete;
  del.hook_name = "ship";
  EXPECT_EQ(format_success(del, json(R"({"deleted":true,"hook":{}})")), "deleted hook ship\n");
}

}  // namespace
}  // namespace ropekv::ctl
