#pragma once
// The directory store behind `file:///path`: one plain file per object at
// <root>/<key>, its SHA-256 in the extended attribute user.ropekv.sha256 of
// that same inode (so bytes and checksum are published by one rename),
// temporary files in <root>/.ropekv-tmp/.
#include <memory>
#include <string>

#include "ropekv/blob/blob_store.hpp"

namespace ropekv::blob {

/// The extended attribute holding an object's lower-case hex SHA-256.
inline constexpr const char* sha256_xattr = "user.ropekv.sha256";

/// Opens (creating if needed) the store rooted at the absolute directory
/// `root`. errc::invalid_argument when the root's filesystem refuses user
/// extended attributes.
result<std::unique_ptr<blob_store>> open_dir_store(const std::string& root, const blob_options& options);

}  // namespace ropekv::blob
