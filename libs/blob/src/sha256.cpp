#include "sha256.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

#include "ropekv/blob/blob_store.hpp"

namespace ropekv::blob {

struct sha256_stream::impl {
  EVP_MD_CTX* ctx = nullptr;
};

sha256_stream::sha256_stream() : impl_(std::make_unique<impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP sha256 init failed");  // out of memory only
  }
}

sha256_stream::~sha256_stream() { EVP_MD_CTX_free(impl_->ctx); }

void sha256_stream::update(std::string_view bytes) {
  EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
}

std::string sha256_stream::raw_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string sha256_stream::hex_digest() { return to_hex(raw_digest()); }

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  sha256_stream s;
  s.update(bytes);
  return s.hex_digest();
}

result<file_digest> sha256_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(errno == ENOENT ? errc::not_found : errc::io_error,
                      "open " + path + ": " + std::strerror(errno));
  }
  sha256_stream s;
  file_digest d;
  std::string buf(1 << 20, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return make_error(errc::io_error, "read " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    s.update(std::string_view(buf.data(), static_cast<size_t>(n)));
    d.size += static_cast<uint64_t>(n);
  }
  ::close(fd);
  d.sha256 = s.hex_digest();
  return d;
}

}  // namespace ropekv::blob
