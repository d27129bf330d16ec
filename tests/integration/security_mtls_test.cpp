// Mutual TLS between services (docs/security.md "Mutual TLS between
// services") on a real cluster -- placement, one owner and a router, all
// with --cluster-ca/--cluster-cert/--cluster-key from scripts/gen-certs:
//   - a second segment-owner process with a self-signed certificate (which
//     itself trusts the cluster CA, so only placement's check can stop it)
//     is refused: it never registers and logs why it cannot reach placement;
//   - one without any certificate (plain BASP) is refused the same way;
//   - placement logs the refusals with the peer's address and reason;
//   - one with a CA-signed certificate registers, and stays connected while
//     the refused two keep retrying (openssl_error_queue.cpp: before that
//     fix their failed handshakes dropped good connections);
//   - a certificate the given CA did not sign is a bad configuration (exit 2).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "cluster_harness.hpp"
#include "security_support.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using namespace security;

std::string cluster_flags(const std::string& dir, const std::string& svc) {
  return "--cluster-ca=" + dir + "/ca.pem --cluster-cert=" + dir + "/" + svc + ".pem --cluster-key=" + dir + "/" +
         svc + "-key.pem";
}

class security_mtls : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ropekv-mtls-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    certs_ = tmpl;
    auto gen = run(std::string(ROPEKV_SOURCE_DIR) + "/scripts/gen-certs " + certs_, true);
    ASSERT_EQ(gen.code, 0) << gen.out;
    // The rogue: a self-signed certificate, and a trust file with the real
    // CA in it too, so that it would accept placement.
    auto self_signed = run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
                           " -subj /CN=rogue-owner -keyout " + certs_ + "/rogue-key.pem -out " + certs_ +
                           "/rogue.pem && cat " + certs_ + "/ca.pem " + certs_ + "/rogue.pem > " + certs_ +
                           "/rogue-trust.pem", true);
    ASSERT_EQ(self_signed.code, 0) << self_signed.out;
  }
  void TearDown() override {
    std::error_code ec;
    if (!certs_.empty()) std::filesystem::remove_all(certs_, ec);
  }

  std::vector<std::string> owner_args(const cluster_harness& c, const std::string& name) const {
    return {ROPEKV_OWNER_BIN, "--port=0", "--metrics-port=0", "--data-dir=" + c.dir() + "/" + name,
            "--placement=127.0.0.1:" + std::to_string(c.placement_port(0)), "--dc=dc1", "--rack=r-" + name,
            "--host-label=" + name, "--heartbeat-ms=300", "--log-level=info"};
  }

  std::string certs_;
};

TEST_F(security_mtls, only_a_ca_signed_owner_can_register) {
  cluster_options o;
  o.owners = 1;
  o.placement_args = cluster_flags(certs_, "placement");
  o.owner_args = cluster_flags(certs_, "segment-owner");
  o.router_args = cluster_flags(certs_, "router");
  cluster_harness cluster(o);
  ASSERT_TRUE(cluster.start());  // CA-signed placement, owner and router work together
  ASSERT_EQ(cluster.alive_nodes().size(), 1u);

  // Self-signed: the TLS handshake with placement fails, nothing registers.
  auto rogue_args = owner_args(cluster, "rogue");
  rogue_args.push_back("--cluster-ca=" + certs_ + "/rogue-trust.pem");
  rogue_args.push_back("--cluster-cert=" + certs_ + "/rogue.pem");
  rogue_args.push_back("--cluster-key=" + certs_ + "/rogue-key.pem");
  const std::string rogue_log = cluster.dir() + "/rogue.log";
  child_process rogue(rogue_args, rogue_log);
  ASSERT_NE(rogue.wait_listening(30s), 0) << read_file(rogue_log);
  // Plain BASP (no certificate at all) against the TLS cluster port.
  const std::string plain_log = cluster.dir() + "/plain.log";
  child_process plain(owner_args(cluster, "plain"), plain_log);
  ASSERT_NE(plain.wait_listening(30s), 0) << read_file(plain_log);

  EXPECT_TRUE(poll_until(30s, [&] {
    return read_file(rogue_log).find("event=placement_unreachable") != std::string::npos &&
           read_file(plain_log).find("event=placement_unreachable") != std::string::npos;
  })) << "rogue:\n" << read_file(rogue_log) << "\nplain:\n" << read_file(plain_log);
  EXPECT_EQ(read_file(rogue_log).find("event=registered"), std::string::npos) << read_file(rogue_log);
  EXPECT_EQ(read_file(plain_log).find("event=registered"), std::string::npos) << read_file(plain_log);
  EXPECT_EQ(cluster.alive_nodes().size(), 1u) << "placement admitted a node without a cluster certificate";
  EXPECT_TRUE(rogue.running() && !rogue.exited()) << "a refused owner keeps retrying, it does not crash";

  // CA-signed: registers.
  auto good_args = owner_args(cluster, "good");
  for (auto flag : {"--cluster-ca=" + certs_ + "/ca.pem", "--cluster-cert=" + certs_ + "/segment-owner.pem",
                    "--cluster-key=" + certs_ + "/segment-owner-key.pem"})
    good_args.push_back(flag);
  const std::string good_log = cluster.dir() + "/good.log";
  child_process good(good_args, good_log);
  ASSERT_NE(good.wait_listening(30s), 0) << read_file(good_log);
  EXPECT_TRUE(poll_until(30s, [&] { return cluster.alive_nodes().size() == 2; })) << read_file(good_log);
  EXPECT_NE(read_file(good_log).find("event=registered"), std::string::npos);
  EXPECT_EQ(cluster.alive_nodes().size(), 2u) << "still only the CA-signed owners";
  const auto placement_log = read_file(cluster.dir() + "/placement.log");
  EXPECT_NE(placement_log.find("event=cluster_peer_refused side=accept"), std::string::npos) << placement_log;
  EXPECT_NE(placement_log.find("reason=\""), std::string::npos) << "the reason is logged";
  // The good connections survive the refused ones' retries (several
  // seconds of them; the owners retry every few hundred ms).
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(read_file(good_log).find("event=placement_down"), std::string::npos) << read_file(good_log);
  EXPECT_EQ(cluster.alive_nodes().size(), 2u);

  EXPECT_EQ(rogue.stop(), 0);
  EXPECT_EQ(plain.stop(), 0);
  EXPECT_EQ(good.stop(), 0);
}

TEST_F(security_mtls, a_certificate_the_ca_did_not_sign_is_a_bad_configuration) {
  const std::string log = certs_ + "/bad.log";
  child_process p({ROPEKV_OWNER_BIN, "--port=0", "--data-dir=" + certs_ + "/bad", "--cluster-ca=" + certs_ + "/ca.pem",
                   "--cluster-cert=" + certs_ + "/rogue.pem", "--cluster-key=" + certs_ + "/rogue-key.pem"},
                  log);
  EXPECT_TRUE(poll_until(20s, [&] { return p.exited(); }));
  EXPECT_NE(read_file(log).find("is not signed by --cluster-ca"), std::string::npos) << read_file(log);
  child_process half({ROPEKV_OWNER_BIN, "--port=0", "--data-dir=" + certs_ + "/half", "--cluster-ca=" + certs_ + "/ca.pem"},
                     certs_ + "/half.log");
  EXPECT_TRUE(poll_until(20s, [&] { return half.exited(); }));
  EXPECT_NE(read_file(certs_ + "/half.log").find("go together"), std::string::npos);
}

}  // namespace
}  // namespace ropekv::integration
