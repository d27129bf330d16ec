// load's input: CSV records, JSONL lines and CSV rows into items, and the
// readers' byte counts.
#include <gtest/gtest.h>

#include <sstream>

#include "load_records.hpp"

namespace ropekv::ctl {
namespace {

const key_columns user_keys{"id", std::nullopt};
const key_columns event_keys{"device", std::string("ts")};

load_item item_of(const std::variant<load_item, bad_record>& v) {
  if (auto* b = std::get_if<bad_record>(&v)) ADD_FAILURE() << b->message;
  auto* it = std::get_if<load_item>(&v);
  return it ? *it : load_item{};
}

std::string error_of(const std::variant<load_item, bad_record>& v) {
  auto* b = std::get_if<bad_record>(&v);
  return b ? b->message : "(no error)";
}

std::vector<csv_record> read_all(const std::string& text) {
  std::istringstream in(text);
  csv_reader r(in);
  std::vector<csv_record> out;
  for (;;) {
    auto rec = r.next();
    EXPECT_TRUE(rec) << (rec ? "" : rec.error().message);
    if (!rec || !*rec) return out;
    out.push_back(**rec);
  }
}

TEST(csv_reader, quoting_line_breaks_and_byte_counts) {
  auto recs = read_all("a,b,c\r\n1,\"x, \"\"y\"\"\",\n\n\"multi\nline\",,\"\"\nlast,row,end");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0].fields.size(), 3u);
  EXPECT_EQ(recs[0].bytes, 7u);
  EXPECT_EQ(recs[1].fields[1].text, "x, \"y\"");
  EXPECT_TRUE(recs[1].fields[1].quoted);
  EXPECT_EQ(recs[1].fields[2].text, "");
  EXPECT_FALSE(recs[1].fields[2].quoted);
  EXPECT_EQ(recs[1].line, 2u);
  EXPECT_EQ(recs[2].line, 4u);  // the blank line 3 is skipped
  EXPECT_EQ(recs[2].fields[0].text, "multi\nline");
  EXPECT_TRUE(recs[2].fields[2].quoted);
  EXPECT_EQ(recs[3].line, 6u);
  EXPECT_EQ(recs[3].fields[2].text, "end");  // no final line break
  uint64_t total = 0;
  for (const auto& r : recs) total += r.bytes;
  EXPECT_EQ(total, std::string("a,b,c\r\n1,\"x, \"\"y\"\"\",\n\n\"multi\nline\",,\"\"\nlast,row,end").size());
}

TEST(csv_reader, syntax_errors_name_the_line) {
  for (auto [text, what] : {std::pair{"a\nb\"c\n", "line 2: a quote inside"},
                            std::pair{"a\n\"b\"c\n", "line 2: text after a closing quote"},
                            std::pair{"a\n\"open\n", "line 2: a quoted field is not closed"}}) {
    std::istringstream in(text);
    csv_reader r(in);
    ASSERT_TRUE(r.next());
    auto bad = r.next();
    ASSERT_FALSE(bad) << text;
    EXPECT_TRUE(bad.error().message.starts_with(what)) << bad.error().message;
  }
}

TEST(load_records, json_numbers) {
  for (auto t : {"0", "-1", "42", "3.5", "-0.25", "1e3", "2E-7", "12345678901234567890123"})
    EXPECT_TRUE(is_json_number(t)) << t;
  for (auto t : {"", "-", "01", "1.", ".5", "1e", "+1", "0x10", "1,5", "NaN", "inf", " 1", "12a"})
    EXPECT_FALSE(is_json_number(t)) << t;
}

TEST(load_records, jsonl_plain_items_take_their_keys_from_attributes) {
  auto it = item_of(parse_jsonl_line(R"({"id":"alice","age":30, "n":1.50})", 7, user_keys));
  EXPECT_EQ(it.hash_key, "alice");
  EXPECT_FALSE(it.range_key);
  EXPECT_EQ(it.item_json, R"({"id":"alice","age":30,"n":1.50})");  // compacted, numbers verbatim
  EXPECT_EQ(it.line, 7u);
  auto ev = item_of(parse_jsonl_line(R"({"device":17,"ts":"2024-01-01","t":3})", 1, event_keys));
  EXPECT_EQ(ev.hash_key, "17");  // a number key: its text
  EXPECT_EQ(ev.range_key, "2024-01-01");
}

TEST(load_records, jsonl_export_lines_round_trip) {
  auto it = item_of(parse_jsonl_line(
      R"({"hash_key":"d1","range_key":"r","version":17,"expires_at_ms":5,"item":{"x":[1,2]}})", 3, event_keys));
  EXPECT_EQ(it.hash_key, "d1");
  EXPECT_EQ(it.range_key, "r");
  EXPECT_EQ(it.item_json, R"({"x":[1,2]})");
  auto bin = item_of(parse_jsonl_line(R"({"hash_key_base64":"AP8=","version":1,"item":{}})", 4, user_keys));
  EXPECT_EQ(bin.hash_key, std::string("\x00\xff", 2));
}

TEST(load_records, jsonl_bad_lines) {
  EXPECT_TRUE(error_of(parse_jsonl_line("{nope", 2, user_keys)).starts_with("line 2: not JSON"));
  EXPECT_EQ(error_of(parse_jsonl_line("[1]", 3, user_keys)), "line 3: not a JSON object");
  EXPECT_EQ(error_of(parse_jsonl_line(R"({"name":"x"})", 4, user_keys)),
            "line 4: no string or number attribute 'id' (the hash key; --hash-key-column names another)");
  EXPECT_EQ(error_of(parse_jsonl_line(R"({"id":true})", 5, user_keys)).substr(0, 40),
            "line 5: no string or number attribute 'i");
  EXPECT_TRUE(error_of(parse_jsonl_line(R"({"device":"d"})", 6, event_keys)).find("'ts' (the range key") !=
              std::string::npos);
  EXPECT_TRUE(error_of(parse_jsonl_line(R"({"id":""})", 7, user_keys)).starts_with("line 7: "));  // empty hash key
  std::string long_key(2049, 'k');
  EXPECT_TRUE(error_of(parse_jsonl_line(R"({"id":")" + long_key + "\"}", 8, user_keys)).find("2048") !=
              std::string::npos);
  std::string big = R"({"id":"a","blob":")" + std::string(400 * 1024, 'b') + "\"}";
  EXPECT_TRUE(error_of(parse_jsonl_line(big, 9, user_keys)).find("the limit is 409600") != std::string::npos);
  EXPECT_TRUE(error_of(parse_jsonl_line(R"({"hash_key":"a","item":{}})", 10, event_keys)).find("no range_key") !=
              std::string::npos);
}

TEST(load_records, csv_values_are_typed_by_quoting) {
  auto header = read_all("device,ts,temp,note,flag,code\n")[0];
  auto cols = csv_items::make(header, event_keys, false);
  ASSERT_TRUE(cols) << cols.error().message;
  auto row = read_all("d1,2024,21.5,\"hi, there\",true,\"007\"\n")[0];
  auto it = item_of(cols->item(row));
  EXPECT_EQ(it.hash_key, "d1");
  EXPECT_EQ(it.range_key, "2024");
  EXPECT_EQ(it.item_json, R"({"device":"d1","ts":2024,"temp":21.5,"note":"hi, there","flag":"true","code":"007"})");
  auto sparse = item_of(cols->item(read_all("d2,x,,\"\",-3,0042\n")[0]));
  EXPECT_EQ(sparse.item_json, R"({"device":"d2","ts":"x","note":"","flag":-3,"code":"0042"})");
  auto strings = csv_items::make(header, event_keys, true);
  ASSERT_TRUE(strings);
  EXPECT_EQ(item_of(strings->item(row)).item_json,
            R"({"device":"d1","ts":"2024","temp":"21.5","note":"hi, there","flag":"true","code":"007"})");
  EXPECT_EQ(error_of(cols->item(read_all("a,b\n")[0])), "line 1: 2 fields; the header has 6");
  EXPECT_TRUE(error_of(cols->item(read_all(",r,1,2,3,4\n")[0])).starts_with("line 1: "));  // empty hash key
}

TEST(load_records, csv_header_must_name_the_key_columns) {
  auto header = read_all("id,name\n")[0];
  EXPECT_TRUE(csv_items::make(header, user_keys, false));
  auto missing = csv_items::make(header, key_columns{"user", std::nullopt}, false);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "CSV header has no column 'user' for the hash key (--hash-key-column names another)");
  EXPECT_FALSE(csv_items::make(header, key_columns{"id", std::string("ts")}, false));
  EXPECT_FALSE(csv_items::make(read_all("id,id\n")[0], user_keys, false));
  EXPECT_FALSE(csv_items::make(read_all("id,\n")[0], user_keys, false));
}

TEST(load_records, readers_count_every_byte) {
  const std::string jsonl = "{\"id\":\"a\"}\n\n   \n{bad\r\n{\"id\":\"b\"}";
  std::istringstream in(jsonl);
  auto r = load_reader::open(load_reader::format::jsonl, in, user_keys, false);
  ASSERT_TRUE(r);
  uint64_t bytes = 0;
  std::vector<std::string> seen;
  for (;;) {
    auto step = (*r)->next();
    ASSERT_TRUE(step);
    bytes += step->bytes;
    if (step->end()) break;
    if (auto* it = std::get_if<load_item>(&step->value)) seen.push_back(it->hash_key + "@" + std::to_string(it->line));
    else seen.push_back(std::get<bad_record>(step->value).message.substr(0, 6));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a@1", "line 4", "b@5"}));
  EXPECT_EQ(bytes, jsonl.size());

  const std::string csv = "id,n\na,1\n\nb,2\n";
  std::istringstream cin(csv);
  auto c = load_reader::open(load_reader::format::csv, cin, user_keys, false);
  ASSERT_TRUE(c);
  bytes = 0;
  size_t items = 0;
  for (;;) {
    auto step = (*c)->next();
    ASSERT_TRUE(step);
    bytes += step->bytes;
    if (step->end()) break;
    items += std::holds_alternative<load_item>(step->value);
  }
  EXPECT_EQ(items, 2u);
  EXPECT_EQ(bytes, csv.size());

  std::istringstream empty("");
  EXPECT_FALSE(load_reader::open(load_reader::format::csv, empty, user_keys, false));
}

TEST(load_records, format_from_flag_or_extension) {
  EXPECT_EQ(*choose_format(std::nullopt, "x.CSV"), load_reader::format::csv);
  EXPECT_EQ(*choose_format(std::nullopt, "x.jsonl"), load_reader::format::jsonl);
  EXPECT_EQ(*choose_format(std::nullopt, "-"), load_reader::format::jsonl);
  EXPECT_EQ(*choose_format(std::string("csv"), "-"), load_reader::format::csv);
  EXPECT_FALSE(choose_format(std::string("xml"), "x"));
}

}  // namespace
}  // namespace ropekv::ctl
