// placement_state's bearer tokens: the bootstrap token of a first start,
// create / list / revoke, what replies hide, what subscribers get pushed,
// and that all of it survives a restart.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "placement_state.hpp"
#include "ropekv/auth/token_secret.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::placement_service {
namespace {

constexpr const char* bootstrap = "bootstrap-secret-0123456789";
constexpr int64_t now_ms = 1'800'000'000'000;

uint32_t code(errc c) { return static_cast<uint32_t>(c); }

pb::CreateTokenRequest create_request(const std::string& name, std::vector<std::string> roles) {
  pb::CreateTokenRequest r;
  r.mutable_token()->set_name(name);
  for (auto& role : roles) r.mutable_token()->add_roles(role);
  return r;
}

class placement_tokens_test : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    opt_.bootstrap_token = bootstrap;
    open();
  }

  void open() {
    state_.reset();
    auto st = placement_state::open(dir_.file("placement.db"), opt_, now_);
    ASSERT_TRUE(st) << st.error().message;
    state_ = std::move(*st);
  }

  test_support::temp_dir dir_;
  placement_options opt_;
  time_point now_{};
  std::unique_ptr<placement_state> state_;
};

TEST_F(placement_tokens_test, first_start_creates_the_bootstrap_cluster_admin_and_only_then) {
  ASSERT_EQ(state_->tokens().size(), 1u);
  const auto& b = state_->tokens().at("bootstrap");
  EXPECT_EQ(b.roles_size(), 1);
  EXPECT_EQ(b.roles(0), "cluster-admin");
  EXPECT_TRUE(auth::hashes_equal(b.secret_hash(), auth::hash_secret(bootstrap)));
  // Revoked, it does not come back at the next start with the same option
  // while another token exists.
  ASSERT_EQ(state_->create_token(create_request("ops-admin", {"cluster-admin"}), now_ms).status().error_code(), 0u);
  pb::RevokeTokenRequest revoke;
  revoke.set_name("bootstrap");
  ASSERT_EQ(state_->revoke_token(revoke).status().error_code(), 0u);
  open();
  EXPECT_EQ(state_->tokens().count("bootstrap"), 0u);
  EXPECT_EQ(state_->tokens().count("ops-admin"), 1u);
}

TEST_F(placement_tokens_test, a_short_bootstrap_secret_is_refused) {
  test_support::temp_dir other;
  placement_options o;
  o.bootstrap_token = "short";
  auto st = placement_state::open(other.file("placement.db"), o, now_);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, errc::invalid_argument);
}

TEST_F(placement_tokens_test, create_shows_the_secret_once_and_stores_only_its_hash) {
  auto req = create_request("ci-reader", {"read:events", "write:logs"});
  req.mutable_token()->set_expires_ms(now_ms + 60'000);
  req.mutable_token()->set_rate_limit(5);
  auto r = state_->create_token(req, now_ms);
  ASSERT_EQ(r.status().error_code(), 0u) << r.status().message();
  ASSERT_EQ(r.secret().rfind("rkv_", 0), 0u);
  EXPECT_TRUE(r.token().secret_hash().empty());
  EXPECT_EQ(r.token().created_ms(), now_ms);
  const pb::AuthToken stored = state_->tokens().at("ci-reader");  // a copy: open() below replaces the state
  EXPECT_TRUE(auth::hashes_equal(stored.secret_hash(), auth::hash_secret(r.secret())));
  EXPECT_EQ(stored.rate_limit(), 5);
  // Listed without hashes, pushed with them.
  auto listed = state_->list_tokens();
  EXPECT_EQ(listed.tokens_size(), 2);
  for (const auto& t : listed.tokens()) EXPECT_TRUE(t.secret_hash().empty()) << t.name();
  auto fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  bool pushed = false;
  for (const auto& t : fx.update->tokens())
    if (t.name() == "ci-reader") pushed = t.secret_hash() == stored.secret_hash();
  EXPECT_TRUE(pushed);
  // A restart keeps it.
  open();
  ASSERT_EQ(state_->tokens().count("ci-reader"), 1u);
  EXPECT_EQ(state_->tokens().at("ci-reader").SerializeAsString(), stored.SerializeAsString());
}

TEST_F(placement_tokens_test, bad_requests_are_refused) {
  EXPECT_EQ(state_->create_token(create_request("x", {"read:events"}), now_ms).status().error_code(),
            code(errc::invalid_argument));
  EXPECT_EQ(state_->create_token(create_request("no-roles", {}), now_ms).status().error_code(),
            code(errc::invalid_argument));
  EXPECT_EQ(state_->create_token(create_request("bad-role", {"root"}), now_ms).status().error_code(),
            code(errc::invalid_argument));
  auto expired = create_request("past", {"read:*"});
  expired.mutable_token()->set_expires_ms(now_ms - 1);
  EXPECT_EQ(state_->create_token(expired, now_ms).status().error_code(), code(errc::invalid_argument));
  auto negative = create_request("negative", {"read:*"});
  negative.mutable_token()->set_rate_limit(-1);
  EXPECT_EQ(state_->create_token(negative, now_ms).status().error_code(), code(errc::invalid_argument));
  EXPECT_EQ(state_->create_token(create_request("bootstrap", {"node"}), now_ms).status().error_code(),
            code(errc::already_exists));
  EXPECT_EQ(state_->tokens().size(), 1u);
}

TEST_F(placement_tokens_test, revoke_removes_it_from_the_next_update_and_the_catalog) {
  ASSERT_EQ(state_->create_token(create_request("temp-token", {"node"}), now_ms).status().error_code(), 0u);
  (void)state_->take_effects();
  pb::RevokeTokenRequest revoke;
  revoke.set_name("temp-token");
  auto r = state_->revoke_token(revoke);
  ASSERT_EQ(r.status().error_code(), 0u);
  EXPECT_EQ(r.token().name(), "temp-token");
  auto fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  for (const auto& t : fx.update->tokens()) EXPECT_NE(t.name(), "temp-token");
  EXPECT_EQ(state_->revoke_token(revoke).status().error_code(), code(errc::not_found));
  open();
  EXPECT_EQ(state_->tokens().count("temp-token"), 0u);
}

}  // namespace
}  // namespace ropekv::placement_service
