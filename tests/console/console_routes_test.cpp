// The console's static routes and the ETag revalidation of the polled JSON
// routes, without a network: routing (libs/net api_router) and the pure
// functions of services/router/console_handler.hpp over the files really
// embedded in this build. The same behaviour over HTTP on a real cluster is
// checked by console.headless (console_headless.py).
#include <gtest/gtest.h>

#include <string>

#include "console_handler.hpp"
#include "ropekv/net/api_router.hpp"

namespace ropekv::router {
namespace {

std::string header(const net::http_response& r, std::string_view name) {
  auto v = net::find_header(r.headers, name);
  return v ? std::string(*v) : std::string();
}

TEST(console_routes, root_and_console_files_route_to_the_console) {
  auto root = net::route_request(net::http_method::get, "/");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->kind, net::api_kind::console);
  EXPECT_EQ(root->name, "");
  auto file = net::route_request(net::http_method::get, "/console/console.js");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->kind, net::api_kind::console);
  EXPECT_EQ(file->name, "console.js");
  // Not GET: 405 like every other route; an empty file name or a deeper path: 404.
  auto post = net::route_request(net::http_method::post, "/");
  ASSERT_FALSE(post.ok());
  EXPECT_EQ(post.error().status, 405u);
  auto empty = net::route_request(net::http_method::get, "/console/");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().status, 404u);
  auto deeper = net::route_request(net::http_method::get, "/console/a/b.js");
  ASSERT_FALSE(deeper.ok());
  EXPECT_EQ(deeper.error().status, 404u);
  // The API routes are untouched.
  auto cluster = net::route_request(net::http_method::get, "/v1/cluster");
  ASSERT_TRUE(cluster.ok());
  EXPECT_EQ(cluster->kind, net::api_kind::cluster);
}

TEST(console_routes, every_embedded_file_is_served_with_its_type) {
  auto files = embedded_console_files();
  ASSERT_GE(files.size(), 4u);
  bool has_index = false;
  for (const auto& f : files) {
    SCOPED_TRACE(std::string(f.name));
    has_index = has_index || f.name == "index.html";
    EXPECT_FALSE(f.bytes.empty());
    auto r = console_response(f.name, std::nullopt);
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, f.bytes);
    EXPECT_NE(r.content_type, "application/octet-stream");
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
    EXPECT_EQ(header(r, "ETag"), body_etag(f.bytes));
  }
  EXPECT_TRUE(has_index);
  auto index = console_response("", std::nullopt);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<script src=\"/console/console.js\">"), std::string::npos);
  EXPECT_EQ(console_response("console.js", std::nullopt).content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(console_response("console.css", std::nullopt).content_type, "text/css; charset=utf-8");
  EXPECT_EQ(console_response("favicon.svg", std::nullopt).content_type, "image/svg+xml");
}

TEST(console_routes, unknown_file_is_a_json_404) {
  for (std::string_view name : {"nope.js", "../CMakeLists.txt", "index.htm", "INDEX.HTML"}) {
    auto r = console_response(name, std::nullopt);
    EXPECT_EQ(r.status, 404u) << name;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_NE(r.body.find(R"("code":"not_found")"), std::string::npos) << r.body;
    EXPECT_TRUE(header(r, "ETag").empty());
  }
}

TEST(console_routes, if_none_match_gives_304_without_body) {
  auto first = console_response("console.js", std::nullopt);
  auto tag = header(first, "ETag");
  ASSERT_EQ(tag.size(), 18u);
  auto again = console_response("console.js", tag);
  EXPECT_EQ(again.status, 304u);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(header(again, "ETag"), tag);
  EXPECT_EQ(console_response("console.js", "W/" + tag).status, 304u);
  EXPECT_EQ(console_response("console.js", "\"x\", " + tag).status, 304u);
  EXPECT_EQ(console_response("console.js", "*").status, 304u);
  EXPECT_EQ(console_response("console.js", "\"0000000000000000\"").status, 200u);
  // Another file's tag does not match.
  EXPECT_EQ(console_response("index.html", tag).status, 200u);
}

TEST(console_routes, revalidate_tags_200s_only) {
  auto ok = net::json_response(200, R"({"rope_version":3})");
  revalidate(ok, std::nullopt);
  auto tag = header(ok, "ETag");
  EXPECT_EQ(tag, body_etag(R"({"rope_version":3})"));
  EXPECT_EQ(ok.status, 200u);

  auto same = net::json_response(200, R"({"rope_version":3})");
  revalidate(same, tag);
  EXPECT_EQ(same.status, 304u);
  EXPECT_TRUE(same.body.empty());

  auto changed = net::json_response(200, R"({"rope_version":4})");
  revalidate(changed, tag);
  EXPECT_EQ(changed.status, 200u);
  EXPECT_NE(header(changed, "ETag"), tag);

  auto error = net::json_response(503, R"({"error":{}})");
  revalidate(error, "*");
  EXPECT_EQ(error.status, 503u);
  EXPECT_TRUE(header(error, "ETag").empty());
}

TEST(console_routes, polled_routes_are_revalidated_and_writes_are_not) {
  EXPECT_TRUE(revalidated_route(net::api_kind::cluster));
  EXPECT_TRUE(revalidated_route(net::api_kind::list_tables));
  EXPECT_TRUE(revalidated_route(net::api_kind::list_indexes));
  EXPECT_TRUE(revalidated_route(net::api_kind::list_hooks));
  EXPECT_FALSE(revalidated_route(net::api_kind::get_partition));
  EXPECT_FALSE(revalidated_route(net::api_kind::put_item));
  EXPECT_FALSE(revalidated_route(net::api_kind::split_table));
}

TEST(console_routes, revalidating_responder_rewrites_the_answer) {
  std::optional<net::http_response> seen;
  auto inner = net::responder::to_function([&seen](net::http_response r) { seen = std::move(r); });
  auto body = std::string(R"({"nodes":[]})");
  auto outer = revalidating(std::move(inner), body_etag(body));
  outer(net::json_response(200, body));
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->status, 304u);
}

}  // namespace
}  // namespace ropekv::router
