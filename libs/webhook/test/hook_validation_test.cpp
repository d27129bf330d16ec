#include "ropekv/webhook/hook_validation.hpp"

#include <gtest/gtest.h>

namespace ropekv::webhook {
namespace {

constexpr std::string_view good_secret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

pb::HookSpec good_spec() {
  pb::HookSpec s;
  s.set_name("orders-to-crm.v2");
  s.set_url("https://crm.example.com:8443/in/ropekv");
  s.set_table("orders");
  s.add_events("create");
  s.add_events("delete");
  s.set_prefix(std::string("cust\0", 5));
  s.set_secret(std::string(good_secret));
  return s;
}

std::string_view code_of(const pb::HookSpec& s) {
  auto r = validate_hook(s);
  if (r.ok()) return "ok";
  EXPECT_FALSE(r.error().message.empty());
  return r.error().code;
}

TEST(HookValidation, AcceptsAGoodSpecAndParsesIt) {
  auto r = validate_hook(good_spec());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "orders-to-crm.v2");
  EXPECT_EQ(r->url, (hook_url{"https", "crm.example.com", 8443, "/in/ropekv"}));
  EXPECT_EQ(r->table, "orders");
  EXPECT_TRUE(r->events.contains(hook_event::create));
  EXPECT_TRUE(r->events.contains(hook_event::remove));
  EXPECT_FALSE(r->events.contains(hook_event::update));
  EXPECT_EQ(r->prefix, std::string("cust\0", 5));
  EXPECT_EQ(r->key.to_string(), good_secret);
}

TEST(HookValidation, EmptyEventsMeansAll) {
  auto s = good_spec();
  s.clear_events();
  auto r = validate_hook(s);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->events, event_set::all());
}

TEST(HookValidation, Names) {
  EXPECT_FALSE(check_hook_name("a").has_value());
  EXPECT_FALSE(check_hook_name("A-z_0.9").has_value());
  EXPECT_FALSE(check_hook_name(std::string(64, 'n')).has_value());
  for (std::string bad : {std::string(), std::string(65, 'n'), std::string("a b"), std::string("a/b"),
                          std::string("caf\xc3\xa9"), std::string("a\0b", 3), std::string("x:y")}) {
    auto err = check_hook_name(bad);
    ASSERT_TRUE(err.has_value()) << bad;
    EXPECT_EQ(err->code, hook_code::bad_name);
  }
  auto s = good_spec();
  s.set_name("no spaces");
  EXPECT_EQ(code_of(s), hook_code::bad_name);
}

TEST(HookValidation, EachFieldHasItsCode) {
  auto s = good_spec();
  s.set_url("ftp://x/");
  EXPECT_EQ(code_of(s), hook_code::bad_url);

  s = good_spec();
  s.set_table("");
  EXPECT_EQ(code_of(s), hook_code::bad_table);

  s = good_spec();
  s.add_events("upsert");
  EXPECT_EQ(code_of(s), hook_code::bad_event);
  s = good_spec();
  s.add_events("Create");  // case matters
  EXPECT_EQ(code_of(s), hook_code::bad_event);
  s = good_spec();
  s.add_events("create");  // twice
  EXPECT_EQ(code_of(s), hook_code::bad_event);

  s = good_spec();
  s.set_prefix(std::string(max_hook_prefix_bytes, 'p'));
  EXPECT_EQ(code_of(s), "ok");
  s.set_prefix(std::string(max_hook_prefix_bytes + 1, 'p'));
  EXPECT_EQ(code_of(s), hook_code::bad_prefix);

  s = good_spec();
  s.set_secret("");
  EXPECT_EQ(code_of(s), hook_code::bad_secret);
  s.set_secret("whsec_short");
  EXPECT_EQ(code_of(s), hook_code::bad_secret);
  s.set_secret("hunter2");
  EXPECT_EQ(code_of(s), hook_code::bad_secret);
}

TEST(HookValidation, FirstFailureWinsInDocumentedOrder) {
  pb::HookSpec s;  // everything wrong
  EXPECT_EQ(code_of(s), hook_code::bad_name);
  s.set_name("n");
  EXPECT_EQ(code_of(s), hook_code::bad_url);
  s.set_url("http://h/");
  EXPECT_EQ(code_of(s), hook_code::bad_table);
  s.set_table("t");
  s.add_events("nope");
  EXPECT_EQ(code_of(s), hook_code::bad_event);
  s.clear_events();
  EXPECT_EQ(code_of(s), hook_code::bad_secret);
}

TEST(HookValidation, ErrorConvertsToInvalidArgument) {
  auto s = good_spec();
  s.set_url("nope");
  auto r = validate_hook(s);
  ASSERT_FALSE(r.ok());
  auto e = r.error().to_error();
  EXPECT_EQ(e.code, errc::invalid_argument);
  EXPECT_EQ(e.message.rfind("bad_url: ", 0), 0u);
}

TEST(HookEvents, NamesAndFeedKinds) {
  for (int i = 0; i < hook_event_count; ++i) {
    auto e = static_cast<hook_event>(i);
    EXPECT_EQ(parse_hook_event(to_string(e)), e);
  }
  EXPECT_EQ(to_string(hook_event::remove), "delete");
  EXPECT_FALSE(parse_hook_event("remove").has_value());

  event_set only_create;
  only_create.add(hook_event::create);
  EXPECT_TRUE(only_create.matches(pb::CHANGE_CREATE));
  EXPECT_TRUE(only_create.matches(pb::CHANGE_PUT));  // legacy put: create or update
  EXPECT_FALSE(only_create.matches(pb::CHANGE_UPDATE));
  EXPECT_FALSE(only_create.matches(pb::CHANGE_DELETE));

  event_set rest;
  rest.add(hook_event::remove);
  rest.add(hook_event::expired);
  rest.add(hook_event::rollback);
  EXPECT_FALSE(rest.matches(pb::CHANGE_PUT));
  EXPECT_TRUE(rest.matches(pb::CHANGE_DELETE));
  EXPECT_TRUE(rest.matches(pb::CHANGE_EXPIRED));
  EXPECT_TRUE(rest.matches(pb::CHANGE_ROLLBACK));
  EXPECT_FALSE(event_set().matches(pb::CHANGE_CREATE));
  EXPECT_TRUE(event_set::all().matches(pb::CHANGE_UPDATE));
}

}  // namespace
}  // namespace ropekv::webhook
