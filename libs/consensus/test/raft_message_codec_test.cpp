#include "ropekv/consensus/raft_message_codec.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace ropekv::consensus::test {
namespace {

raft_message base(unsigned short type) {
  raft_message m{};
  m.type = type;
  m.server_id = 2;           // destination: not encoded
  m.server_address = "n2";
  return m;
}

std::unique_ptr<decoded_message> roundtrip(const raft_message& m) {
  auto bytes = encode_message(m, 1, "n1");
  auto d = decode_message(bytes);
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
  if (!d.ok()) return nullptr;
  EXPECT_EQ((*d)->get()->type, m.type);
  EXPECT_EQ((*d)->get()->server_id, 1u);  // the receiver sees the sender
  EXPECT_STREQ((*d)->get()->server_address, "n1");
  // Every strict prefix must be rejected, never crash or leak.
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_message(std::string_view(bytes).substr(0, n)).ok()) << n;
  }
  return std::move(*d);
}

TEST(raft_message_codec, append_entries_with_payloads) {
  raft_message m = base(RAFT_IO_APPEND_ENTRIES);
  std::string p1 = "first", p2;  // second payload empty
  raft_entry entries[2] = {};
  entries[0].term = 3;
  entries[0].type = RAFT_COMMAND;
  entries[0].buf = {p1.data(), p1.size()};
  entries[1].term = 4;
  entries[1].type = RAFT_BARRIER;
  entries[1].buf = {nullptr, 0};
  m.append_entries = {5, 10, 3, 9, entries, 2};
  auto d = roundtrip(m);
  ASSERT_TRUE(d);
  auto& a = d->get()->append_entries;
  EXPECT_EQ(a.term, 5u);
  EXPECT_EQ(a.prev_log_index, 10u);
  EXPECT_EQ(a.prev_log_term, 3u);
  EXPECT_EQ(a.leader_commit, 9u);
  ASSERT_EQ(a.n_entries, 2u);
  EXPECT_EQ(std::string(static_cast<char*>(a.entries[0].buf.base), a.entries[0].buf.len), "first");
  EXPECT_EQ(a.entries[1].buf.len, 0u);
  EXPECT_EQ(a.entries[1].type, RAFT_BARRIER);
  EXPECT_EQ(a.entries[0].batch, a.entries[1].batch);  // one batch, as c-raft expects
}

TEST(raft_message_codec, heartbeat_and_results) {
  raft_message hb = base(RAFT_IO_APPEND_ENTRIES);
  hb.append_entries = {5, 10, 3, 9, nullptr, 0};
  auto d = roundtrip(hb);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->get()->append_entries.entries, nullptr);

  raft_message r = base(RAFT_IO_APPEND_ENTRIES_RESULT);
  r.append_entries_result = {6, 11, 12};
  d = roundtrip(r);
  EXPECT_EQ(d->get()->append_entries_result.rejected, 11u);
  EXPECT_EQ(d->get()->append_entries_result.last_log_index, 12u);

  raft_message v = base(RAFT_IO_REQUEST_VOTE);
  v.request_vote = {7, 1, 20, 6, true, true};
  d = roundtrip(v);
  EXPECT_EQ(d->get()->request_vote.last_log_index, 20u);
  EXPECT_TRUE(d->get()->request_vote.disrupt_leader);
  EXPECT_TRUE(d->get()->request_vote.pre_vote);

  raft_message vr = base(RAFT_IO_REQUEST_VOTE_RESULT);
  vr.request_vote_result = {7, true, raft_tribool_false};
  d = roundtrip(vr);
  EXPECT_TRUE(d->get()->request_vote_result.vote_granted);
  EXPECT_EQ(d->get()->request_vote_result.pre_vote, raft_tribool_false);

  raft_message t = base(RAFT_IO_TIMEOUT_NOW);
  t.timeout_now = {8, 30, 7};
  d = roundtrip(t);
  EXPECT_EQ(d->get()->timeout_now.last_log_term, 7u);
}

TEST(raft_message_codec, install_snapshot_with_configuration) {
  raft_message m = base(RAFT_IO_INSTALL_SNAPSHOT);
  raft_configuration_init(&m.install_snapshot.conf);
  ASSERT_EQ(raft_configuration_add(&m.install_snapshot.conf, 1, "n1", RAFT_VOTER), 0);
  ASSERT_EQ(raft_configuration_add(&m.install_snapshot.conf, 4, "n4", RAFT_STANDBY), 0);
  std::string data(1000, 'z');
  m.install_snapshot.term = 9;
  m.install_snapshot.last_index = 100;
  m.install_snapshot.last_term = 8;
  m.install_snapshot.conf_index = 50;
  m.install_snapshot.data = {data.data(), data.size()};
  auto d = roundtrip(m);
  raft_configuration_close(&m.install_snapshot.conf);
  ASSERT_TRUE(d);
  auto& s = d->get()->install_snapshot;
  EXPECT_EQ(s.last_index, 100u);
  EXPECT_EQ(s.conf_index, 50u);
  ASSERT_EQ(s.conf.n, 2u);
  EXPECT_EQ(s.conf.servers[1].id, 4u);
  EXPECT_EQ(s.conf.servers[1].role, RAFT_STANDBY);
  EXPECT_STREQ(s.conf.servers[1].address, "n4");
  EXPECT_EQ(std::string(static_cast<char*>(s.data.base), s.data.len), data);
}

TEST(raft_message_codec, rejects_garbage) {
  EXPECT_FALSE(decode_message("").ok());
  EXPECT_FALSE(decode_message(std::string("\x02\x01", 2)).ok());
  std::string huge_count = encode_message(base(RAFT_IO_APPEND_ENTRIES), 1, "n1");
  huge_count[huge_count.size() - 4] = '\xff';  // n_entries far beyond the bytes
  huge_count[huge_count.size() - 1] = '\x7f';
  EXPECT_FALSE(decode_message(huge_count).ok());
  auto ok = encode_message(base(RAFT_IO_TIMEOUT_NOW), 1, "n1");
  EXPECT_FALSE(decode_message(ok + "x").ok());
}

}  // namespace
}  // namespace ropekv::consensus::test
