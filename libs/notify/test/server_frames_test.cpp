#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "ropekv/notify/frame_protocol.hpp"
#include "ropekv/notify/server_frames.hpp"

namespace ropekv::notify {
namespace {

rapidjson::Document parsed(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  EXPECT_TRUE(doc.IsObject()) << text;
  return doc;
}

TEST(notify_server_frames, exact_text_of_simple_frames) {
  EXPECT_EQ(write_subscribed(R"("s1")", "tok"), R"({"op":"subscribed","id":"s1","token":"tok"})");
  EXPECT_EQ(write_unsubscribed("7"), R"({"op":"unsubscribed","id":7})");
  EXPECT_EQ(write_joined("c"), R"({"op":"joined","channel":"c"})");
  EXPECT_EQ(write_left("c"), R"({"op":"left","channel":"c"})");
  EXPECT_EQ(write_pong(), R"({"op":"pong"})");
  EXPECT_EQ(write_message("c", "n1/42", R"({"x":[1,2]})"),
            R"({"op":"message","channel":"c","from":"n1/42","data":{"x":[1,2]}})");
  std::vector<std::string> members{"a", "b"};
  EXPECT_EQ(write_members("c", members), R"({"op":"members","channel":"c","members":["a","b"]})");
  EXPECT_EQ(write_members("c", {}), R"({"op":"members","channel":"c","members":[]})");
}

TEST(notify_server_frames, strings_are_escaped) {
  const std::string nasty = std::string("q\"b\\s\n\x01") + std::string(1, '\0') + "end";
  auto doc = parsed(write_joined(nasty));
  ASSERT_TRUE(doc["channel"].IsString());
  EXPECT_EQ(std::string(doc["channel"].GetString(), doc["channel"].GetStringLength()), nasty);
}

TEST(notify_server_frames, error_frames) {
  EXPECT_EQ(write_error(frame_errc::not_subscribed, "no such id", std::string_view(R"("s9")")),
            R"({"op":"error","code":"not_subscribed","message":"no such id","id":"s9"})");
  EXPECT_EQ(write_error(frame_errc::feed_compacted, "reload", std::nullopt, std::string_view("t0")),
            R"({"op":"error","code":"feed_compacted","message":"reload","token":"t0"})");
  auto doc = parsed(write_error(frame_errc::frame_too_large, "big"));
  EXPECT_STREQ(doc["code"].GetString(), "frame_too_large");
  EXPECT_FALSE(doc.HasMember("id"));
}

TEST(notify_server_frames, parser_errors_round_trip_with_their_id) {
  auto r = parse_client_frame(R"({"op":"subscribe","id":{"x":1},"table":"t"})");
  ASSERT_TRUE(std::holds_alternative<frame_error>(r));
  auto doc = parsed(write_error(std::get<frame_error>(r)));
  EXPECT_STREQ(doc["code"].GetString(), "malformed");
  EXPECT_FALSE(doc.HasMember("id"));  // an object id is not readable

  r = parse_client_frame(R"({"op":"subscribe","id":"q\"1","table":"t","events":["x"]})");
  ASSERT_TRUE(std::holds_alternative<frame_error>(r));
  doc = parsed(write_error(std::get<frame_error>(r)));
  EXPECT_STREQ(doc["code"].GetString(), "bad_request");
  EXPECT_STREQ(doc["id"].GetString(), "q\"1");
}

TEST(notify_server_frames, frame_writer_for_event_frames) {
  auto text = frame_writer("event")
                  .string("sub", "s1")
                  .uint("version", 42)
                  .integer("delta", -1)
                  .boolean("recovered", true)
                  .raw("item", R"({"k":"v"})")
                  .take();
  EXPECT_EQ(text,
            R"({"op":"event","sub":"s1","version":42,"delta":-1,"recovered":true,"item":{"k":"v"}})");
}

}  // namespace
}  // namespace ropekv::notify
