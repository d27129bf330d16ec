#pragma once
// Translation of c-raft return codes into ropekv errors, in one place.
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::consensus {

/// The errc a caller should act on for c-raft code `rv` (non-zero);
/// `what` names the failed operation for the message.
error raft_error(int rv, std::string_view what);

/// ok() for rv == 0, else raft_error(rv, what).
status raft_status(int rv, std::string_view what);

}  // namespace ropekv::consensus
