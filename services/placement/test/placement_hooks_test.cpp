// placement_state's notifiers and webhooks: registration, liveness, the
// hook catalog, assignment to notifiers and the delivery state they report.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <map>

#include "hook_validation.hpp"
#include "placement_state.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::placement_service {
namespace {

using namespace std::chrono_literals;

constexpr const char* secret32 = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

uint32_t code(errc c) { return static_cast<uint32_t>(c); }

pb::HookSpec hook_spec(const std::string& name, const std::string& table = "users") {
  pb::HookSpec s;
  s.set_name(name);
  s.set_url("https://example.test/hooks/" + name);
  s.set_table(table);
  s.set_secret(secret32);
  return s;
}

pb::PutHookRequest put_request(pb::HookSpec spec) {
  pb::PutHookRequest r;
  *r.mutable_spec() = std::move(spec);
  return r;
}

class placement_hooks_test : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    opt_.segments_per_table = 2;
    opt_.notifier_timeout = 3s;
    opt_.hook_save_interval = 1s;
    open();
    pb::RegisterNode node;
    node.mutable_node()->set_address("127.0.0.1:7001");
    ASSERT_EQ(state_->register_node(node, now_).status().error_code(), 0u);
    pb::CreateTableRequest t;
    t.mutable_schema()->set_name("users");
    t.mutable_schema()->set_hash_key("pk");
    t.mutable_schema()->set_replication(1);
    ASSERT_EQ(state_->create_table(t).status().error_code(), 0u);
    (void)state_->take_effects();
  }

  void open() {
    state_.reset();
    auto st = placement_state::open(dir_.file("placement.db"), opt_, now_);
    ASSERT_TRUE(st) << st.error().message;
    state_ = std::move(*st);
  }

  uint64_t add_notifier(uint64_t id = 0, const std::string& address = "127.0.0.1:8100") {
    pb::RegisterNotifier req;
    req.mutable_notifier()->set_id(id);
    req.mutable_notifier()->set_address(address);
    req.mutable_notifier()->set_ws_url("ws://" + address + "/v1/ws");
    auto reply = state_->register_notifier(req, now_);
    EXPECT_EQ(reply.status().error_code(), 0u) << reply.status().message();
    return reply.notifier_id();
  }

  pb::HookReply put(const pb::HookSpec& spec) { return state_->put_hook(put_request(spec), 1234, now_); }

  uint32_t put_error(const pb::HookSpec& spec) { return put(spec).status().error_code(); }

  pb::Status beat(uint64_t notifier, std::vector<pb::HookReport> reports = {}) {
    pb::NotifierHeartbeat hb;
    hb.set_notifier_id(notifier);
    for (auto& r : reports) *hb.add_hooks() = r;
    return state_->notifier_heartbeat(hb, now_);
  }

  uint64_t holder(const std::string& hook) const {
    return state_->hooks().at(hook).hook.state().notifier_id();
  }

  std::map<uint64_t, int> held() const {
    std::map<uint64_t, int> out;
    for (const auto& [name, h] : state_->hooks()) ++out[h.hook.state().notifier_id()];
    return out;
  }

  static pb::HookReport report(const std::string& hook, const std::string& cursor, uint64_t delivered) {
    pb::HookReport r;
    r.set_name(hook);
    r.mutable_state()->set_cursor(cursor);
    r.mutable_state()->set_delivered(delivered);
    r.mutable_state()->set_last_status(200);
    r.mutable_state()->set_notifier_id(999);  // not the reporter's to set
    return r;
  }

  test_support::temp_dir dir_;
  placement_options opt_;
  time_point now_ = time_point{} + 1h;
  std::unique_ptr<placement_state> state_;
};

TEST_F(placement_hooks_test, specs_are_validated) {
  EXPECT_EQ(put_error(hook_spec("ok-name_1.x")), 0u);
  EXPECT_EQ(put_error(hook_spec("")), code(errc::invalid_argument));
  EXPECT_EQ(put_error(hook_spec("has space")), code(errc::invalid_argument));
  EXPECT_EQ(put_error(hook_spec(std::string(65, 'h'))), code(errc::invalid_argument));
  EXPECT_EQ(put_error(hook_spec(std::string(64, 'h'))), 0u);
  for (const char* url : {"ftp://x/y", "http://", "https:///path", "example.com/x", "http://:80/x",
                          "http://a b/", "http://user@h/x", "http://h/x#frag", "http://h:0/", "http://h:70000/",
                          "http://h:/x", "http://bad!host/", "http://a..b/", "http://[zz]/"}) {
    auto s = hook_spec("u");
    s.set_url(url);
    EXPECT_EQ(put_error(s), code(errc::invalid_argument)) << url;
  }
  for (const char* url : {"http://localhost:8080/x", "https://h", "http://[::1]:9/p?q=1",
                          "http://127.0.0.1:9000/x", "https://hooks.example.com?x=1"}) {
    auto s = hook_spec("u");
    s.set_url(url);
    EXPECT_EQ(put_error(s), 0u) << url;
  }
  auto long_prefix = hook_spec("p");
  long_prefix.set_prefix(std::string(2049, 'p'));
  EXPECT_EQ(put_error(long_prefix), code(errc::invalid_argument));
  auto events = hook_spec("ev");
  for (const char* e : {"create", "update", "delete", "expired", "rollback"}) events.add_events(e);
  auto reply = put(events);
  ASSERT_EQ(reply.status().error_code(), 0u) << reply.status().message();
  EXPECT_EQ(reply.hook().spec().events_size(), 5);
  events.add_events("create");  // a repeated kind is a mistake, not a wish
  EXPECT_EQ(put_error(events), code(errc::invalid_argument));
  events.mutable_events()->RemoveLast();
  events.add_events("put");
  EXPECT_EQ(put_error(events), code(errc::invalid_argument));
  for (const char* secret :
       {"", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",  // no prefix
        "whsec_", "whsec_not*base64!", "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRY=",  // 23 bytes
        "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A="}) {
    auto s = hook_spec("sec");
    s.set_secret(secret);
    auto r = put(s);
    EXPECT_EQ(r.status().error_code(), code(errc::invalid_argument)) << secret;
    EXPECT_NE(r.status().message().find("secret"), std::string::npos) << r.status().message();
  }
  auto s24 = hook_spec("sec");
  s24.set_secret("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX");
  EXPECT_EQ(put_error(s24), 0u);
  auto missing = put(hook_spec("t", "nope"));
  EXPECT_EQ(missing.status().error_code(), code(errc::not_found));
  EXPECT_EQ(missing.status().message().rfind("table ", 0), 0u) << missing.status().message();
}

TEST_F(placement_hooks_test, hooks_survive_a_restart_and_replies_hide_the_secret) {
  auto first = put(hook_spec("a"));
  ASSERT_EQ(first.status().error_code(), 0u);
  EXPECT_TRUE(first.created());
  EXPECT_EQ(first.hook().created_ms(), 1234);
  EXPECT_TRUE(first.hook().spec().secret().empty());
  auto changed = hook_spec("a");
  changed.set_url("http://other.test/x");
  auto second = state_->put_hook(put_request(changed), 9999, now_);
  EXPECT_FALSE(second.created());
  EXPECT_EQ(second.hook().created_ms(), 1234);  // kept from the first put
  EXPECT_EQ(second.hook().spec().url(), "http://other.test/x");
  ASSERT_EQ(put(hook_spec("b")).status().error_code(), 0u);

  open();
  auto list = state_->list_hooks();
  ASSERT_EQ(list.hooks_size(), 2);
  EXPECT_EQ(list.hooks(0).spec().name(), "a");
  EXPECT_EQ(list.hooks(0).spec().url(), "http://other.test/x");
  EXPECT_EQ(list.hooks(0).created_ms(), 1234);
  for (const auto& h : list.hooks()) EXPECT_TRUE(h.spec().secret().empty());
  EXPECT_EQ(state_->hooks().at("a").hook.spec().secret(), secret32);  // kept for notifiers
  EXPECT_TRUE(state_->get_hook("b").hook().spec().secret().empty());
  EXPECT_EQ(state_->get_hook("zz").status().error_code(), code(errc::not_found));

  EXPECT_EQ(state_->drop_hook("a").status().error_code(), 0u);
  EXPECT_EQ(state_->drop_hook("a").status().error_code(), code(errc::not_found));
  open();
  EXPECT_EQ(state_->list_hooks().hooks_size(), 1);
}

TEST_F(placement_hooks_test, notifiers_register_keep_their_ids_and_heartbeat) {
  uint64_t a = add_notifier();
  EXPECT_NE(a, 0u);
  auto fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  ASSERT_EQ(fx.update->notifiers_size(), 1);
  EXPECT_EQ(fx.update->notifiers(0).id(), a);
  EXPECT_EQ(fx.update->notifiers(0).ws_url(), "ws://127.0.0.1:8100/v1/ws");
  EXPECT_EQ(fx.update->delta().from_version(), fx.update->delta().to_version());

  EXPECT_EQ(beat(a).error_code(), 0u);
  EXPECT_FALSE(state_->take_effects().update);  // a heartbeat is not news
  EXPECT_EQ(add_notifier(a), a);                // the same notifier again
  EXPECT_FALSE(state_->take_effects().update);
  EXPECT_EQ(beat(a + 100).error_code(), code(errc::not_found));

  uint64_t b = add_notifier(0, "127.0.0.1:8200");
  EXPECT_NE(b, a);
  now_ += 2s;
  EXPECT_EQ(beat(b).error_code(), 0u);
  now_ += 1500ms;  // a: 3.5 s silent; b: 1.5 s
  state_->tick(now_);
  EXPECT_EQ(state_->notifiers().count(a), 0u);
  EXPECT_EQ(state_->notifiers().count(b), 1u);
  fx = state_->take_effects();
  EXPECT_EQ(fx.notifiers_gone, std::vector<uint64_t>{a});
  ASSERT_TRUE(fx.update);
  EXPECT_EQ(fx.update->notifiers_size(), 1);
  EXPECT_EQ(beat(a).error_code(), code(errc::not_found));
  // It registers again with its id (issued here before): it keeps it.
  EXPECT_EQ(add_notifier(a), a);
  // An id this catalog never issued gets a fresh one.
  uint64_t c = add_notifier(5000, "127.0.0.1:8300");
  EXPECT_NE(c, 5000u);
  EXPECT_GT(c, b);
}

TEST_F(placement_hooks_test, hooks_go_to_the_least_loaded_notifier_and_move_when_it_dies) {
  ASSERT_EQ(put(hook_spec("h0")).status().error_code(), 0u);
  EXPECT_EQ(holder("h0"), 0u);  // nobody alive
  uint64_t a = add_notifier();
  EXPECT_EQ(holder("h0"), a);   // an orphan goes to the first notifier
  uint64_t b = add_notifier(0, "127.0.0.1:8200");
  EXPECT_EQ(holder("h0"), a);   // no rebalancing of held hooks
  for (auto name : {"h1", "h2", "h3"}) ASSERT_EQ(put(hook_spec(name)).status().error_code(), 0u);
  EXPECT_EQ(held(), (std::map<uint64_t, int>{{a, 2}, {b, 2}}));
  auto fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  ASSERT_EQ(fx.update->hooks_size(), 4);
  for (const auto& h : fx.update->hooks()) {
    EXPECT_EQ(h.spec().secret(), secret32);  // notifiers need it to sign
    EXPECT_EQ(h.state().notifier_id(), holder(h.spec().name()));
  }

  // a reports on its hooks; b's report about a hook of a's is ignored.
  std::string mine, theirs;
  for (const auto& [name, h] : state_->hooks()) (h.hook.state().notifier_id() == a ? mine : theirs) = name;
  EXPECT_EQ(beat(a, {report(mine, "cursor-a", 7)}).error_code(), 0u);
  EXPECT_EQ(beat(b, {report(mine, "cursor-b", 99), report("no-such-hook", "x", 1)}).error_code(), 0u);
  EXPECT_EQ(state_->hooks().at(mine).hook.state().cursor(), "cursor-a");
  EXPECT_EQ(state_->hooks().at(mine).hook.state().delivered(), 7u);
  EXPECT_EQ(state_->hooks().at(mine).hook.state().last_status(), 200u);
  EXPECT_EQ(holder(mine), a);  // the report does not move it
  EXPECT_FALSE(state_->take_effects().update);

  // a goes silent: its hooks move to b, carrying the last reported cursor.
  now_ += 2s;
  EXPECT_EQ(beat(b).error_code(), 0u);
  now_ += 1s + 1ms;
  state_->tick(now_);
  EXPECT_EQ(held(), (std::map<uint64_t, int>{{b, 4}}));
  fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  EXPECT_EQ(fx.update->notifiers_size(), 1);
  for (const auto& h : fx.update->hooks()) {
    EXPECT_EQ(h.state().notifier_id(), b);
    if (h.spec().name() == mine) {
      EXPECT_EQ(h.state().cursor(), "cursor-a");
    }
  }
  // b dies too (its handle went down): nobody holds anything.
  state_->notifier_down(b, now_);
  EXPECT_EQ(held(), (std::map<uint64_t, int>{{0, 4}}));
  EXPECT_TRUE(state_->take_effects().update);

  // The cursor was saved when the hook changed hands: a restarted placement
  // hands it to the next notifier.
  open();
  EXPECT_EQ(state_->hooks().at(mine).hook.state().cursor(), "cursor-a");
  EXPECT_EQ(state_->hooks().at(mine).hook.state().delivered(), 7u);
  uint64_t c = add_notifier();
  EXPECT_EQ(held(), (std::map<uint64_t, int>{{c, 4}}));
}

TEST_F(placement_hooks_test, reported_state_is_saved_at_most_once_per_interval) {
  ASSERT_EQ(put(hook_spec("h")).status().error_code(), 0u);
  uint64_t a = add_notifier();
  now_ += 2s;
  EXPECT_EQ(beat(a, {report("h", "c1", 1)}).error_code(), 0u);  // saved (2 s since the put)
  now_ += 500ms;
  EXPECT_EQ(beat(a, {report("h", "c2", 2)}).error_code(), 0u);  // too soon: memory only
  EXPECT_TRUE(state_->hooks().at("h").unsaved);
  open();
  EXPECT_EQ(state_->hooks().at("h").hook.state().cursor(), "c1");
  a = add_notifier(a);
  EXPECT_EQ(beat(a, {report("h", "c3", 3)}).error_code(), 0u);  // loaded just now: not yet
  EXPECT_EQ(beat(a, {report("h", "c4", 4)}).error_code(), 0u);
  now_ += 1s;
  EXPECT_EQ(beat(a).error_code(), 0u);
  state_->tick(now_);  // the timer saves what is due
  EXPECT_FALSE(state_->hooks().at("h").unsaved);
  open();
  EXPECT_EQ(state_->hooks().at("h").hook.state().cursor(), "c4");
}

TEST_F(placement_hooks_test, moving_a_hook_to_another_table_starts_its_cursor_over) {
  pb::CreateTableRequest t;
  t.mutable_schema()->set_name("orders");
  t.mutable_schema()->set_hash_key("pk");
  t.mutable_schema()->set_replication(1);
  ASSERT_EQ(state_->create_table(t).status().error_code(), 0u);
  ASSERT_EQ(put(hook_spec("h")).status().error_code(), 0u);
  uint64_t a = add_notifier();
  EXPECT_EQ(beat(a, {report("h", "c1", 5)}).error_code(), 0u);
  auto same_table = hook_spec("h");
  same_table.add_events("create");
  EXPECT_EQ(put(same_table).hook().state().cursor(), "c1");
  auto other = put(hook_spec("h", "orders"));
  EXPECT_TRUE(other.hook().state().cursor().empty());
  EXPECT_EQ(other.hook().state().delivered(), 0u);
  EXPECT_EQ(other.hook().state().notifier_id(), a);
}

}  // namespace
}  // namespace ropekv::placement_service
