#pragma once
// The only way C++ code in RopeKV includes c-raft: raft.h has no
// extern "C" guards, so including it bare would mangle every symbol.
extern "C" {
#include <raft.h>
}
