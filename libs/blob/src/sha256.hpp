#pragma once
// Incremental SHA-256 over OpenSSL EVP, for objects hashed while they are
// streamed (put_file / get_file) rather than held in memory.
#include <memory>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::blob {

class sha256_stream {
 public:
  sha256_stream();
  ~sha256_stream();
  sha256_stream(const sha256_stream&) = delete;
  sha256_stream& operator=(const sha256_stream&) = delete;

  void update(std::string_view bytes);
  /// Lower-case hex digest; the stream is finished afterwards.
  std::string hex_digest();
  /// The raw 32-byte digest; the stream is finished afterwards.
  std::string raw_digest();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Lower-case hex of arbitrary bytes.
std::string to_hex(std::string_view bytes);

/// SHA-256 (hex) and size of a local file, read in blocks.
struct file_digest {
  std::string sha256;
  uint64_t size = 0;
};
result<file_digest> sha256_file(const std::string& path);

}  // namespace ropekv::blob
