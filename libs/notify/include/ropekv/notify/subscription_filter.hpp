#pragma once
// subscription_filter: decides whether one change-feed event goes to one
// subscription. A filter names a table, optionally narrows it to hash keys
// starting with a prefix or to one exact hash key, and lists the event kinds
// it wants.
//
// Rollback events carry no hash key: a rollback matches every filter of its
// table whose kinds contain `rollback`, whatever its key scope (the client
// cannot tell which of its keys were rolled back, so it must hear of it).
//
// Hash keys are byte strings compared bytewise (they may hold any byte).
// Immutable after construction; safe to share between threads.
#include <string>
#include <string_view>

#include "ropekv/common/ids.hpp"
#include "ropekv/notify/event_kind.hpp"

namespace ropekv::notify {

enum class key_scope : uint8_t {
  any,     // every hash key of the table
  prefix,  // hash keys that start with key()
  exact,   // the hash key equal to key()
};

class subscription_filter {
 public:
  /// Every key of `table`.
  explicit subscription_filter(table_id table, event_kind_set kinds = event_kind_set::all());

  /// Hash keys starting with `prefix` (an empty prefix is the same as any).
  static subscription_filter with_prefix(table_id table, std::string prefix,
                                         event_kind_set kinds = event_kind_set::all());
  /// Exactly `hash_key`.
  static subscription_filter with_hash_key(table_id table, std::string hash_key,
                                           event_kind_set kinds = event_kind_set::all());

  /// True when an event of `kind` on `hash_key` in `table` is wanted. For a
  /// rollback, `hash_key` is ignored (pass {}).
  bool matches(table_id table, std::string_view hash_key, event_kind kind) const noexcept;

  table_id table() const noexcept { return table_; }
  key_scope scope() const noexcept { return scope_; }
  /// The prefix or exact key; empty for key_scope::any.
  const std::string& key() const noexcept { return key_; }
  event_kind_set kinds() const noexcept { return kinds_; }

 private:
  subscription_filter(table_id table, key_scope scope, std::string key, event_kind_set kinds);

  table_id table_;
  key_scope scope_ = key_scope::any;
  std::string key_;
  event_kind_set kinds_;
};

}  // namespace ropekv::notify
