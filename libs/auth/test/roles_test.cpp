#include <gtest/gtest.h>

#include "ropekv/auth/roles.hpp"

using namespace ropekv::auth;

namespace {
std::vector<role> roles_of(std::vector<std::string> texts) {
  auto r = parse_roles(texts);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : std::vector<role>{};
}
}  // namespace

TEST(Roles, ParseAndPrintRoundTrip) {
  for (std::string text : {"cluster-admin", "node", "read:events", "write:*", "admin:a.b-c_d"}) {
    auto r = parse_role(text);
    ASSERT_TRUE(r) << text;
    EXPECT_EQ(to_string(*r), text);
  }
}

TEST(Roles, RejectsBadRoles) {
  for (std::string text : {"", "root", "read", "read:", "read:ab", "delete:events", "read:a/b",
                           "Cluster-Admin", "read: events"}) {
    auto r = parse_role(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, ropekv::errc::invalid_argument);
  }
  EXPECT_FALSE(parse_roles({}));
  EXPECT_FALSE(parse_roles({"read:events", "bogus"}));
}

TEST(Roles, LevelsImplyLowerOnesOnTheSameTable) {
  auto admin = roles_of({"admin:events"});
  EXPECT_TRUE(allows(admin, {access::read, "events"}));
  EXPECT_TRUE(allows(admin, {access::write, "events"}));
  EXPECT_TRUE(allows(admin, {access::admin, "events"}));
  EXPECT_FALSE(allows(admin, {access::read, "other"}));
  auto write = roles_of({"write:events"});
  EXPECT_TRUE(allows(write, {access::read, "events"}));
  EXPECT_TRUE(allows(write, {access::write, "events"}));
  EXPECT_FALSE(allows(write, {access::admin, "events"}));
  auto read = roles_of({"read:events"});
  EXPECT_TRUE(allows(read, {access::read, "events"}));
  EXPECT_FALSE(allows(read, {access::write, "events"}));
}

TEST(Roles, WildcardTableCoversEveryTableButATableRoleNotTheWildcard) {
  auto any = roles_of({"read:*"});
  EXPECT_TRUE(allows(any, {access::read, "events"}));
  EXPECT_TRUE(allows(any, {access::read, "*"}));
  EXPECT_FALSE(allows(any, {access::write, "events"}));
  auto one = roles_of({"admin:events"});
  EXPECT_FALSE(allows(one, {access::admin, "*"}));
}

TEST(Roles, ClusterRoles) {
  auto ca = roles_of({"cluster-admin"});
  for (auto level : {access::read, access::write, access::admin, access::cluster_read, access::cluster_admin})
    EXPECT_TRUE(allows(ca, {level, "events"}));
  auto node = roles_of({"node"});
  EXPECT_TRUE(allows(node, {access::cluster_read, {}}));
  EXPECT_FALSE(allows(node, {access::cluster_admin, {}}));
  EXPECT_FALSE(allows(node, {access::read, "events"}));
  auto admin_all = roles_of({"admin:*"});
  EXPECT_FALSE(allows(admin_all, {access::cluster_read, {}}));
  EXPECT_FALSE(allows(admin_all, {access::cluster_admin, {}}));
  EXPECT_TRUE(allows({}, {access::open, {}}));
  EXPECT_TRUE(allows({}, {access::authenticated, {}}));
  EXPECT_FALSE(allows({}, {access::read, "events"}));
}
