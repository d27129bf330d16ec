#include <gtest/gtest.h>

#include "ropekv/auth/token_secret.hpp"
#include "ropekv/auth/token_store.hpp"

using namespace ropekv;
using namespace ropekv::auth;

namespace {
pb::AuthToken token(std::string name, std::string secret, std::vector<std::string> roles,
                    int64_t expires_ms = 0) {
  pb::AuthToken t;
  t.set_name(std::move(name));
  t.set_secret_hash(hash_secret(secret));
  for (auto& r : roles) t.add_roles(r);
  t.set_expires_ms(expires_ms);
  return t;
}
}  // namespace

TEST(TokenStore, EmptyStoreRefusesEverything) {
  token_store s;
  auto r = s.authenticate("anything", 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unauthenticated);
  EXPECT_FALSE(s.authenticate("", 0));
}

TEST(TokenStore, FindsTheTokenBySecret) {
  token_store s;
  auto rl = token("ci", "secret-ci-0123456789", {"read:events"});
  rl.set_rate_limit(5);
  EXPECT_EQ(s.replace({rl, token("ops", "secret-ops-0123456789", {"cluster-admin"})}), 0u);
  auto ci = s.authenticate("secret-ci-0123456789", 1);
  ASSERT_TRUE(ci);
  EXPECT_EQ((*ci)->name, "ci");
  ASSERT_EQ((*ci)->roles.size(), 1u);
  EXPECT_EQ((*ci)->roles[0].table, "events");
  EXPECT_EQ((*ci)->rate_limit, 5.0);
  auto ops = s.authenticate("secret-ops-0123456789", 1);
  ASSERT_TRUE(ops);
  EXPECT_FALSE((*ops)->rate_limit.has_value());
  EXPECT_FALSE(s.authenticate("secret-ci-012345678", 1));  // one character short
}

TEST(TokenStore, ReplaceRevokesWhatIsGone) {
  token_store s;
  (void)s.replace({token("a", "secret-a-0123456789", {"node"}), token("b", "secret-b-0123456789", {"node"})});
  ASSERT_TRUE(s.authenticate("secret-a-0123456789", 0));
  (void)s.replace({token("b", "secret-b-0123456789", {"node"})});
  auto a = s.authenticate("secret-a-0123456789", 0);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "unknown or revoked token");
  EXPECT_TRUE(s.authenticate("secret-b-0123456789", 0));
  EXPECT_EQ(s.size(), 1u);
}

TEST(TokenStore, ExpiredTokensAreRefused) {
  token_store s;
  (void)s.replace({token("t", "secret-t-0123456789", {"read:*"}, 1000)});
  EXPECT_TRUE(s.authenticate("secret-t-0123456789", 999));
  auto r = s.authenticate("secret-t-0123456789", 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unauthenticated);
  EXPECT_NE(r.error().message.find("expired"), std::string::npos);
}

TEST(TokenStore, MalformedTokensAreLeftOut) {
  token_store s;
  auto short_hash = token("x", "secret-x-0123456789", {"node"});
  short_hash.set_secret_hash("abc");
  EXPECT_EQ(s.replace({short_hash, token("y", "secret-y-0123456789", {"bogus"}),
                       token("z", "secret-z-0123456789", {"node"})}),
            2u);
  EXPECT_EQ(s.size(), 1u);
}
