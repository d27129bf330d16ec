// The c-raft 0.15 message corrections of raft_workarounds (see its header).
#include <gtest/gtest.h>

#include "raft_workarounds.hpp"
#include "ropekv/consensus/raft_c.hpp"
#include "ropekv/consensus/raft_message_codec.hpp"

namespace ropekv::segment::detail {
namespace {

std::string heartbeat(raft_index prev, raft_index leader_commit) {
  raft_message m{};
  m.type = RAFT_IO_APPEND_ENTRIES;
  m.append_entries.term = 5;
  m.append_entries.prev_log_index = prev;
  m.append_entries.prev_log_term = 4;
  m.append_entries.leader_commit = leader_commit;
  return consensus::encode_message(m, 2, "n2");
}

std::string result(raft_index last, raft_index rejected) {
  raft_message m{};
  m.type = RAFT_IO_APPEND_ENTRIES_RESULT;
  m.append_entries_result.term = 5;
  m.append_entries_result.rejected = rejected;
  m.append_entries_result.last_log_index = last;
  return consensus::encode_message(m, 3, "n3");
}

raft_message* decoded(const std::string& bytes, std::unique_ptr<consensus::decoded_message>& keep) {
  auto d = consensus::decode_message(bytes);
  EXPECT_TRUE(d.ok());
  keep = std::move(*d);
  return keep->get();
}

TEST(raft_workarounds, leader_commit_is_capped_at_what_the_append_entries_covers) {
  auto fixed = cap_leader_commit(heartbeat(406, 407));
  ASSERT_TRUE(fixed.has_value());
  std::unique_ptr<consensus::decoded_message> keep;
  auto* m = decoded(*fixed, keep);
  EXPECT_EQ(m->append_entries.leader_commit, 406u);
  EXPECT_EQ(m->append_entries.prev_log_index, 406u);
  EXPECT_EQ(m->server_id, 2u);
  EXPECT_FALSE(cap_leader_commit(heartbeat(407, 407)).has_value());
  EXPECT_FALSE(cap_leader_commit(result(1, 0)).has_value());  // not an AppendEntries
}

TEST(raft_workarounds, success_results_claim_only_the_provably_matching_prefix) {
  follower_log_view log;
  log.commit_index = 406;
  log.last_index_of_term = [](uint64_t term) -> uint64_t { return term == 5 ? 0 : 407; };
  // Entry 407 is from an old term: only the committed prefix is proven.
  auto fixed = clamp_append_result(result(407, 0), log);
  ASSERT_TRUE(fixed.has_value());
  std::unique_ptr<consensus::decoded_message> keep;
  EXPECT_EQ(decoded(*fixed, keep)->append_entries_result.last_log_index, 406u);
  // Rejections carry a hint, not a claim: untouched.
  EXPECT_FALSE(clamp_append_result(result(407, 407), log).has_value());
  // An entry of the leader's own term proves everything up to it.
  log.last_index_of_term = [](uint64_t term) -> uint64_t { return term == 5 ? 407 : 0; };
  EXPECT_FALSE(clamp_append_result(result(407, 0), log).has_value());
}

}  // namespace
}  // namespace ropekv::segment::detail
