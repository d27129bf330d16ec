#include "raft_workarounds.hpp"

#include "ropekv/consensus/raft_c.hpp"
#include "ropekv/consensus/raft_message_codec.hpp"

namespace ropekv::segment::detail {
namespace {

// Codec layout: u8 format version, u8 message type, ... (raft_message_codec.hpp).
bool is_type(std::string_view bytes, int type) {
  return bytes.size() >= 2 && static_cast<uint8_t>(bytes[1]) == type;
}

std::string reencode(raft_message* msg) {
  return consensus::encode_message(*msg, msg->server_id,
                                   msg->server_address != nullptr ? msg->server_address : "");
}

}  // namespace

std::optional<std::string> cap_leader_commit(std::string_view bytes) {
  if (!is_type(bytes, RAFT_IO_APPEND_ENTRIES)) return std::nullopt;
  auto decoded = consensus::decode_message(bytes);
  if (!decoded) return std::nullopt;  // the io drops (and counts) it
  raft_message* msg = (*decoded)->get();
  raft_append_entries& ae = msg->append_entries;
  raft_index covered = ae.prev_log_index + ae.n_entries;
  if (ae.leader_commit <= covered) return std::nullopt;
  ae.leader_commit = covered;
  return reencode(msg);
}

std::optional<std::string> clamp_append_result(std::string_view bytes, const follower_log_view& log) {
  if (!is_type(bytes, RAFT_IO_APPEND_ENTRIES_RESULT)) return std::nullopt;
  auto decoded = consensus::decode_message(bytes);
  if (!decoded) return std::nullopt;
  raft_message* msg = (*decoded)->get();
  raft_append_entries_result& res = msg->append_entries_result;
  if (res.rejected != 0 || res.last_log_index <= log.commit_index) return std::nullopt;
  uint64_t proven = std::max<uint64_t>(log.commit_index, log.last_index_of_term(res.term));
  if (res.last_log_index <= proven) return std::nullopt;
  res.last_log_index = proven;
  return reencode(msg);
}

}  // namespace ropekv::segment::detail
