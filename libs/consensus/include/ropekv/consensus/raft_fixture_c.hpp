#pragma once
// c-raft's deterministic multi-node test fixture (tests only), wrapped for
// the same reason as raft_c.hpp.
#include "ropekv/consensus/raft_c.hpp"

extern "C" {
#include <raft/fixture.h>
}
