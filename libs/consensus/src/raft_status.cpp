#include "ropekv/consensus/raft_status.hpp"

#include <string>

#include "ropekv/consensus/raft_c.hpp"

namespace ropekv::consensus {

namespace {

errc code_for(int rv) {
  switch (rv) {
    case RAFT_NOTLEADER:
      return errc::not_leader;
    // The entry may still commit under the next leader: the outcome is
    // unknown, so the client retries (with its request id) rather than
    // being told "not leader, go there".
    case RAFT_LEADERSHIPLOST:
    case RAFT_SHUTDOWN:
    case RAFT_CANCELED:
    case RAFT_NOCONNECTION:
    case RAFT_BUSY:
    case RAFT_CANTCHANGE:
      return errc::unavailable;
    case RAFT_BADID:
    case RAFT_BADROLE:
    case RAFT_INVALID:
    case RAFT_NAMETOOLONG:
    case RAFT_CANTBOOTSTRAP:
      return errc::invalid_argument;
    case RAFT_NOTFOUND:
      return errc::not_found;
    case RAFT_DUPLICATEID:
    case RAFT_DUPLICATEADDRESS:
      return errc::already_exists;
    case RAFT_TOOBIG:
      return errc::too_large;
    case RAFT_MALFORMED:
    case RAFT_CORRUPT:
      return errc::corrupt;
    case RAFT_IOERR:
    case RAFT_NOSPACE:
      return errc::io_error;
    default:
      return errc::internal;
  }
}

}  // namespace

error raft_error(int rv, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += raft_strerror(rv);
  return make_error(code_for(rv), std::move(msg));
}

status raft_status(int rv, std::string_view what) {
  if (rv == 0) return {};
  return raft_error(rv, what);
}

}  // namespace ropekv::consensus
