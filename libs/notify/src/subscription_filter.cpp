#include "ropekv/notify/subscription_filter.hpp"

#include <utility>

namespace ropekv::notify {

subscription_filter::subscription_filter(table_id table, event_kind_set kinds)
    : table_(table), kinds_(kinds) {}

subscription_filter::subscription_filter(table_id table, key_scope scope, std::string key,
                                         event_kind_set kinds)
    : table_(table), scope_(scope), key_(std::move(key)), kinds_(kinds) {}

subscription_filter subscription_filter::with_prefix(table_id table, std::string prefix,
                                                     event_kind_set kinds) {
  if (prefix.empty()) return subscription_filter(table, kinds);
  return subscription_filter(table, key_scope::prefix, std::move(prefix), kinds);
}

subscription_filter subscription_filter::with_hash_key(table_id table, std::string hash_key,
                                                       event_kind_set kinds) {
  return subscription_filter(table, key_scope::exact, std::move(hash_key), kinds);
}

bool subscription_filter::matches(table_id table, std::string_view hash_key,
                                  event_kind kind) const noexcept {
  if (table != table_ || !kinds_.contains(kind)) return false;
  if (kind == event_kind::rollback) return true;  // no key: see the header
  switch (scope_) {
    case key_scope::any:
      return true;
    case key_scope::prefix:
      return hash_key.starts_with(key_);
    case key_scope::exact:
      return hash_key == key_;
  }
  return false;
}

}  // namespace ropekv::notify
