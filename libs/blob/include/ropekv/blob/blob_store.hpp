#pragma once
// A blob store: immutable named objects (backup chunks and manifests) in a
// local directory (`file:///path`) or an S3-compatible service
// (`s3://bucket/prefix?endpoint=http://host:port&region=us-east-1`).
//
// Contract shared by every implementation:
//   * put is atomic: a reader sees the whole object or none of it (file:
//     write to a temporary name, fsync, rename; s3: single PUT or a
//     completed multipart upload);
//   * every object carries the SHA-256 of its bytes, recorded at put and
//     verified at get: a mismatch is errc::corrupt, never returned bytes;
//   * transient failures (connection refused, 5xx, timeouts) are retried
//     with back-off up to blob_options::attempts; what remains is
//     errc::unavailable (the caller queues and retries later);
//   * a missing object is errc::not_found.
// Not thread-safe: one instance per thread or actor.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/result.hpp"

namespace ropekv::blob {

struct blob_options {
  int attempts = 4;                                    // per request, incl. the first
  std::chrono::milliseconds timeout{10'000};           // per request step: fails when no byte moved this long
  std::chrono::milliseconds backoff{100};              // doubled per retry
  uint64_t multipart_threshold = 16ull << 20;          // put_file above this: multipart
  uint64_t part_size = 8ull << 20;                     // >= 5 MiB for S3
  int list_page_size = 1000;                           // s3: keys per ListObjectsV2 page (1..1000)
  // https endpoints: PEM file of the CAs to trust; empty: the system's store.
  std::string tls_ca_file;
  // S3 credentials; empty: taken from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
  std::string access_key;
  std::string secret_key;
};

struct blob_info {
  std::string key;   // relative to the store's prefix
  uint64_t size = 0;
  std::string sha256;  // lower-case hex, as recorded at put; empty in list()
                       // results of the s3 store (S3 lists no user metadata:
                       // stat() has it)
};

class blob_store {
 public:
  virtual ~blob_store() = default;

  /// Stores `bytes` under `key` (replacing any object of that key).
  virtual status put(const std::string& key, std::string_view bytes) = 0;
  /// Stores the file at `local_path` (multipart above the threshold).
  virtual status put_file(const std::string& key, const std::string& local_path) = 0;
  /// The object's bytes, checksum verified.
  virtual result<std::string> get(const std::string& key) = 0;
  /// Downloads to `local_path` (written whole, then renamed), checksum verified.
  virtual status get_file(const std::string& key, const std::string& local_path) = 0;
  /// Size and checksum without the bytes; errc::not_found when absent.
  virtual result<blob_info> stat(const std::string& key) = 0;
  /// Every object whose key starts with `prefix`, sorted by key.
  virtual result<std::vector<blob_info>> list(const std::string& prefix) = 0;
  /// Removes the object; removing a missing object succeeds.
  virtual status remove(const std::string& key) = 0;
  /// The store's URL without secrets, for logs and /v1/cluster.
  virtual std::string describe() const = 0;
};

/// Opens a store from its URL; errc::invalid_argument for an unknown scheme
/// or a malformed URL.
result<std::unique_ptr<blob_store>> open_blob_store(const std::string& url,
                                                    const blob_options& options = {});

/// Lower-case hex SHA-256 of `bytes` (content addressing of chunks).
std::string sha256_hex(std::string_view bytes);

}  // namespace ropekv::blob
