#pragma once
// Wire format of c-raft RPC messages, independent of the transport.
//
// Layout (little-endian fixed-width integers, strings/blobs as u32 length +
// bytes): u8 format version (2), u8 message type, u64 sender id, str sender
// address, the link header as u64 seq, ack, incarnation, ack incarnation
// (leader_lease.hpp), then the type's
// fields in raft.h order. AppendEntries carries
// u32 n then n x (u64 term, u16 type, blob payload); InstallSnapshot
// carries the configuration (see encode_configuration) and a u64-length blob.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"
#include "ropekv/consensus/leader_lease.hpp"
#include "ropekv/consensus/raft_c.hpp"

namespace ropekv::consensus {

/// Encodes `msg` as sent by server (self_id, self_address); the receiver
/// sees the sender in raft_message::server_id/server_address, which is
/// what c-raft's recv callback expects; `link` rides along for the io.
std::string encode_message(const raft_message& msg, uint64_t self_id, std::string_view self_address,
                           link_header link = {});

/// A decoded message. Its dynamic parts (entries array and their batch,
/// snapshot configuration and data) are raft_malloc'd, because c-raft takes
/// them over when the message is handed to its recv callback.
///
/// Invariant: until release() the object owns those parts and frees them
/// on destruction (a message dropped because the io closed leaks nothing).
/// The address string lives here and stays valid while the object lives.
class decoded_message {
 public:
  decoded_message() = default;
  ~decoded_message();
  decoded_message(const decoded_message&) = delete;
  decoded_message& operator=(const decoded_message&) = delete;

  raft_message* get() noexcept { return &msg_; }
  const raft_message* get() const noexcept { return &msg_; }
  const link_header& link() const noexcept { return link_; }
  /// c-raft now owns the dynamic parts.
  void release() noexcept { owns_ = false; }

 private:
  friend result<std::unique_ptr<decoded_message>> decode_message(std::string_view bytes);
  raft_message msg_{};
  link_header link_;
  std::string address_;
  bool owns_ = false;
};

/// Parses bytes produced by encode_message; errc::corrupt if malformed.
result<std::unique_ptr<decoded_message>> decode_message(std::string_view bytes);

/// Configuration encoding (also stored with snapshots): u32 n, then
/// n x (u64 id, u8 role, str address).
std::string encode_configuration(const raft_configuration& conf);
/// Fills `out` (initialised by the caller with raft_configuration_init);
/// on error `out` is left empty.
status decode_configuration(std::string_view bytes, raft_configuration* out);

}  // namespace ropekv::consensus
