#include "ropekv/linearizability/checker.hpp"

#include <algorithm>
#include <cassert>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "state_cache.hpp"

namespace ropekv::lin {

namespace {

// The register's value as a small integer: cheap to copy, hash and compare
// in the inner loop. `absent` is distinct from every string, including "".
using value_id = int32_t;
constexpr value_id absent = -1;

uint64_t mix64(uint64_t x) {  // splitmix64 finaliser: a well-spread hash
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class value_table {
 public:
  value_id intern(const std::string& s) {
    auto [it, inserted] = ids_.try_emplace(s, static_cast<value_id>(names_.size()));
    if (inserted) names_.push_back(s);
    return it->second;
  }
  std::string describe(value_id v) const {
    return v == absent ? "absent" : "\"" + names_[static_cast<size_t>(v)] + "\"";
  }

 private:
  std::unordered_map<std::string, value_id> ids_;
  std::vector<std::string> names_;
};

// One operation on the key being checked, strings replaced by value ids.
struct compiled_op {
  const operation* source = nullptr;
  op_kind kind = op_kind::get;
  condition cond = condition::always;
  value_id expected = absent;
  value_id written = absent;
  bool known = true;  // outcome observed; otherwise it may be left out
  int32_t slot = 0;   // bit index among the known, or among the pending, ops
  value_id read = absent;
  bool applied = true;
};

// The register model. Returns the value after `op` takes effect in `state`,
// or nullopt if the outcome the client saw is impossible in `state`.
std::optional<value_id> step(value_id state, const compiled_op& op) {
  if (op.kind == op_kind::get) {
    if (state != op.read) return std::nullopt;
    return state;
  }
  bool holds = true;
  switch (op.cond) {
    case condition::always: holds = true; break;
    case condition::if_absent: holds = state == absent; break;
    case condition::if_present: holds = state != absent; break;
    case condition::if_value: holds = state == op.expected; break;
  }
  // With an unknown outcome the client saw nothing, so either result fits.
  if (op.known && op.applied != holds) return std::nullopt;
  if (!holds) return state;
  return op.kind == op_kind::put ? op.written : absent;
}

// A call or return in Lowe's doubly linked event list. Linearizing an op
// unlinks its events in O(1); backtracking relinks them in LIFO order, which
// restores the list exactly (dancing links).
struct event {
  int32_t op = -1;
  int32_t match = -1;  // on a call: its return event, or -1 if none
  bool is_call = false;
  int32_t prev = -1;
  int32_t next = -1;
};

std::string describe_failure(const std::vector<compiled_op>& ops,
                             const value_table& values,
                             const std::vector<int32_t>& prefix,
                             int32_t blocker, value_id state) {
  constexpr size_t shown = 8;  // enough context without drowning the reader
  std::string out = "longest linearizable prefix: " +
                    std::to_string(prefix.size()) + " op(s)";
  const size_t from = prefix.size() > shown ? prefix.size() - shown : 0;
  if (from > 0) out += ", last " + std::to_string(shown) + " shown";
  out += "\n";
  for (size_t i = from; i < prefix.size(); ++i) {
    out += "  " + std::to_string(i + 1) + ". " +
           to_string(*ops[static_cast<size_t>(prefix[i])].source) + "\n";
  }
  out += "value after it: " + values.describe(state) + "\n";
  out += "cannot be linearized next, and returned before any other order "
         "helped: " + to_string(*ops[static_cast<size_t>(blocker)].source);
  return out;
}

// Wing-Gong/Lowe search over one key's operations; `states` counts the
// memoised states it visits.
verdict search_key(const std::vector<compiled_op>& ops, const value_table& values,
                   uint64_t max_states, uint64_t& states, std::string& why) {
  const size_t n = ops.size();
  struct timed {
    int64_t time;
    bool is_call;
    int32_t op;
  };
  std::vector<timed> order;
  size_t remaining = 0;  // ops with a known outcome not yet linearized
  for (size_t i = 0; i < n; ++i) {
    const auto op = static_cast<int32_t>(i);
    order.push_back({ops[i].source->invoke_time, true, op});
    // No return event for an unknown outcome: the search never has to place
    // such an op, which is the same as it never having taken effect.
    if (ops[i].known) {
      order.push_back({ops[i].source->return_time, false, op});
      ++remaining;
    }
  }
  // At equal times calls come first, so touching intervals count as
  // concurrent: the conservative reading of a coarse clock.
  std::sort(order.begin(), order.end(), [](const timed& a, const timed& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.is_call != b.is_call) return a.is_call;
    return a.op < b.op;
  });

  std::vector<event> ev(order.size() + 1);  // ev[0] is the head sentinel
  std::vector<int32_t> call_event(n, -1);
  for (size_t k = 0; k <= order.size(); ++k) {
    ev[k].prev = static_cast<int32_t>(k) - 1;
    ev[k].next = k + 1 <= order.size() ? static_cast<int32_t>(k + 1) : -1;
    if (k == 0) continue;
    ev[k].op = order[k - 1].op;
    ev[k].is_call = order[k - 1].is_call;
    if (ev[k].is_call) {
      call_event[static_cast<size_t>(ev[k].op)] = static_cast<int32_t>(k);
    } else {
      ev[static_cast<size_t>(call_event[static_cast<size_t>(ev[k].op)])].match =
          static_cast<int32_t>(k);
    }
  }
  auto unlink = [&ev](int32_t e) {
    ev[ev[e].prev].next = ev[e].next;
    if (ev[e].next != -1) ev[ev[e].next].prev = ev[e].prev;
  };
  auto relink = [&ev](int32_t e) {
    ev[ev[e].prev].next = e;
    if (ev[e].next != -1) ev[ev[e].next].prev = e;
  };

  // Linearized ops as two bitsets: known outcomes (hashed, matched exactly)
  // and pending ones (compared by inclusion, see state_cache).
  size_t known_count = 0;
  size_t pending_count = 0;
  for (const compiled_op& op : ops) (op.known ? known_count : pending_count)++;
  std::vector<uint64_t> known_bits((known_count + 63) / 64, 0);
  std::vector<uint64_t> pending_bits((pending_count + 63) / 64, 0);
  std::vector<uint64_t> zobrist(known_count);  // known_bits hash, kept by xor
  for (size_t i = 0; i < known_count; ++i) zobrist[i] = mix64(i + 1);
  uint64_t bits_hash = 0;
  auto flip = [&](int32_t op_index) {
    const compiled_op& op = ops[static_cast<size_t>(op_index)];
    const auto slot = static_cast<size_t>(op.slot);
    auto& bits = op.known ? known_bits : pending_bits;
    bits[slot / 64] ^= uint64_t{1} << (slot % 64);
    if (op.known) bits_hash ^= zobrist[slot];
  };

  struct frame {
    int32_t call;
    value_id before;
  };
  std::vector<frame> stack;
  detail::state_cache cache(known_bits.size(), pending_bits.size());
  value_id state = absent;
  auto last_was_pending = [&] {
    return !stack.empty() && !ops[static_cast<size_t>(ev[stack.back().call].op)].known;
  };
  // Deepest dead end seen, for the explanation.
  std::vector<int32_t> best_prefix;
  int32_t best_blocker = -1;
  value_id best_state = absent;

  // The candidates at each state are the calls before the first return
  // event. They are tried in two passes, known outcomes first and pending ops
  // last: leaving a pending op out is then explored before putting it in, so
  // most states that put it in are dominated and pruned by the cache.
  bool pending_pass = false;
  int32_t cur = ev[0].next;
  while (remaining > 0) {
    assert(cur != -1);  // a known op's return event is still in the list
    const event& e = ev[cur];
    if (e.is_call) {
      const compiled_op& op = ops[static_cast<size_t>(e.op)];
      const bool candidate = pending_pass != op.known;
      if (candidate) {
        auto next = step(state, op);
        if (next && last_was_pending() && step(stack.back().before, op) == next) {
          // The pending op just linearized makes no difference to this one:
          // the sibling branch that skips it reaches the same value with it
          // still unused (this op is a candidate there too), so it dominates.
          next.reset();
        }
        if (next) {
          flip(e.op);
          const uint64_t h = bits_hash ^ mix64(static_cast<uint64_t>(*next) ^ 0x5bd1e995ULL);
          if (cache.visit(h, known_bits, *next, pending_bits)) {
            if (++states > max_states) return verdict::unknown;
            stack.push_back({cur, state});
            state = *next;
            unlink(cur);
            if (e.match != -1) unlink(e.match);
            if (op.known) --remaining;
            pending_pass = false;
            cur = ev[0].next;
            continue;
          }
          flip(e.op);  // a dominating state was already explored
        }
      }
      cur = e.next;
      continue;
    }
    if (!pending_pass) {  // known candidates exhausted: now the pending ones
      pending_pass = true;
      cur = ev[0].next;
      continue;
    }
    // The op returning here was never linearized: undo the latest choice.
    if (best_blocker == -1 || stack.size() > best_prefix.size()) {
      best_prefix.clear();
      for (const frame& f : stack) best_prefix.push_back(ev[f.call].op);
      best_blocker = e.op;
      best_state = state;
    }
    if (stack.empty()) {
      why = describe_failure(ops, values, best_prefix, best_blocker, best_state);
      return verdict::not_linearizable;
    }
    const frame f = stack.back();
    stack.pop_back();
    const event& call = ev[f.call];
    if (call.match != -1) relink(call.match);
    relink(f.call);
    flip(call.op);
    state = f.before;
    const compiled_op& undone = ops[static_cast<size_t>(call.op)];
    if (undone.known) ++remaining;
    pending_pass = !undone.known;  // resume the pass it was found in
    cur = call.next;
  }
  return verdict::linearizable;
}

check_result finish(verdict v, std::string key, std::string why, uint64_t states) {
  check_result r;
  r.outcome = v;
  r.ok = v == verdict::linearizable;
  r.key = std::move(key);
  r.explanation = std::move(why);
  r.states_explored = states;
  return r;
}

}  // namespace

std::string_view to_string(verdict v) noexcept {
  switch (v) {
    case verdict::linearizable: return "linearizable";
    case verdict::not_linearizable: return "not_linearizable";
    case verdict::unknown: return "unknown";
  }
  return "?";
}

check_result check_history(const std::vector<operation>& history,
                           const check_options& options) {
  // P-compositionality: each key is an independent register.
  std::map<std::string, std::vector<const operation*>> by_key;
  for (const operation& op : history) {
    // A get with an unknown outcome neither constrains nor changes anything.
    if (!op.outcome_known() && op.input.kind == op_kind::get) continue;
    by_key[op.key].push_back(&op);
  }

  uint64_t states = 0;
  std::optional<std::string> first_unknown;
  for (const auto& [key, key_ops] : by_key) {
    value_table values;
    std::vector<compiled_op> ops;
    ops.reserve(key_ops.size());
    size_t known_slots = 0;
    size_t pending_slots = 0;
    for (const operation* src : key_ops) {
      if (src->outcome_known() && src->return_time < src->invoke_time) {
        return finish(verdict::unknown, key,
                      "malformed history: returns before it is invoked: " +
                          to_string(*src), states);
      }
      compiled_op op;
      op.source = src;
      op.kind = src->input.kind;
      op.cond = src->input.cond;
      if (op.cond == condition::if_value) op.expected = values.intern(src->input.expected);
      if (op.kind == op_kind::put) op.written = values.intern(src->input.value);
      op.known = src->outcome_known();
      op.slot = static_cast<int32_t>(op.known ? known_slots++ : pending_slots++);
      if (op.known) {
        const auto& read = src->output->read;
        if (op.kind == op_kind::get && read) op.read = values.intern(*read);
        op.applied = src->output->applied;
      }
      ops.push_back(op);
    }
    std::string why;
    uint64_t key_states = 0;
    const verdict v = search_key(ops, values, options.max_states, key_states, why);
    states += key_states;
    if (v == verdict::not_linearizable) {
      return finish(v, key, "key \"" + key + "\": " + why, states);
    }
    // Keep going: a definite violation on a later key is worth more.
    if (v == verdict::unknown && !first_unknown) first_unknown = key;
  }
  if (first_unknown) {
    return finish(verdict::unknown, *first_unknown,
                  "search budget of " + std::to_string(options.max_states) +
                      " states exhausted on key \"" + *first_unknown + "\"",
                  states);
  }
  return finish(verdict::linearizable, {}, {}, states);
}

}  // namespace ropekv::lin
