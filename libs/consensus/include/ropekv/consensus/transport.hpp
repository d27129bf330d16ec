#pragma once
// How a replica's raft_io reaches its peers. The services implement it over
// CAF; tests and the bench use in_memory_network.
#include <string>
#include <string_view>

#include "ropekv/common/ids.hpp"

namespace ropekv::consensus {

/// One server's outbound side of the network.
///
/// Contract for implementations: send() never blocks and never calls back
/// into the sending io on the same stack (the io is not re-entrant); a
/// message may be lost, delayed, duplicated or reordered — Raft tolerates
/// all four. Inbound messages are handed to sqlite_raft_io::receive() (or
/// replica::receive()) by whatever thread owns that replica.
class transport {
 public:
  virtual ~transport() = default;
  /// `address` is the peer's address from the Raft configuration; `bytes`
  /// is an encoded raft message (raft_message_codec).
  virtual void send(node_id to, std::string_view address, std::string bytes) = 0;
};

}  // namespace ropekv::consensus
