#pragma once
// The attribute an index is on: a dotted path into the item's JSON object
// ("address.city" is member "city" of member "address"), and the index key
// an item has under it.
//
// Sparse: an item is indexed only when the path leads to a value of the
// index's type (a JSON string for a string index, a JSON number for a
// number index). Missing members, null, booleans, arrays, objects, values
// of the other type and strings over max_index_value_bytes are not
// indexed (docs/indexes.md). A member name containing '.' cannot be named.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::index {

inline constexpr size_t max_path_depth = 16;
inline constexpr size_t max_path_bytes = 1024;

class attribute_path {
 public:
  /// invalid_argument ("bad_attribute") for an empty path, an empty
  /// segment ("a..b", ".a", "a."), more than max_path_depth segments or
  /// more than max_path_bytes, or control characters.
  static result<attribute_path> parse(std::string_view text);

  const std::vector<std::string>& segments() const noexcept { return segments_; }
  const std::string& text() const noexcept { return text_; }

 private:
  std::string text_;
  std::vector<std::string> segments_;
};

/// The index key of `item_json` (a JSON object's text, as stored) under
/// `path` for an index of `type` (index_key.hpp encoding); nullopt when the
/// item is not indexed (see above) or is not a JSON object.
std::optional<std::string> extract_key(std::string_view item_json, const attribute_path& path,
                                       pb::IndexType type);

}  // namespace ropekv::index
