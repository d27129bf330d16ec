#pragma once
// state_cache: the memo of the linearizability search (internal to the
// checker; one instance per key, used by one thread).
//
// A search state is (K, P, v): the set K of linearized operations whose
// outcome is known, the set P of linearized operations whose outcome is
// unknown ("pending"), and the register value v. Pending operations are
// optional, so (K, P', v) with P' a subset of P can do everything (K, P, v)
// can: same value, same operations still owed, more optional ones left. Once
// a dominating state has been visited, the dominated one need not be: if it
// could finish, the dominating one finishes the same way. With no pending
// operations this is the classic exact-match memo of Lowe / Porcupine.
//
// Layout: an open-addressing table over groups keyed by (K, v); each group
// holds a list of the P sets visited with it, in flat pools, because a search
// can visit millions of states and per-state allocations would dominate.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ropekv::lin::detail {

class state_cache {
 public:
  state_cache(size_t known_words, size_t pending_words);

  /// Records (known, pending, value) and returns true, unless an already
  /// recorded state dominates it. `hash` must depend only on known and value.
  bool visit(uint64_t hash, const std::vector<uint64_t>& known, int32_t value,
             const std::vector<uint64_t>& pending);

 private:
  size_t find_or_add_group(uint64_t hash, const std::vector<uint64_t>& known,
                           int32_t value);
  bool same_group(size_t group, const std::vector<uint64_t>& known,
                  int32_t value) const;
  void grow();

  static constexpr uint32_t no_record = UINT32_MAX;

  size_t known_stride_;    // per group in group_pool_: value, then K words
  size_t pending_words_;   // per record in record_pool_: P words
  std::vector<uint32_t> slots_;          // 0 = empty, else group index + 1
  std::vector<uint64_t> group_hashes_;
  std::vector<uint64_t> group_pool_;
  std::vector<uint32_t> group_head_;     // first record of each group
  std::vector<uint64_t> record_pool_;
  std::vector<uint32_t> record_next_;    // singly linked list per group
};

}  // namespace ropekv::lin::detail
