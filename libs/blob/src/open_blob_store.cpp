#include "blob_url.hpp"
#include "dir_store.hpp"
#include "ropekv/blob/blob_store.hpp"
#include "s3_store.hpp"

namespace ropekv::blob {

result<std::unique_ptr<blob_store>> open_blob_store(const std::string& url, const blob_options& options) {
  auto parsed = parse_store_url(url);
  if (!parsed) return std::move(parsed).error();
  if (options.attempts < 1) return make_error(errc::invalid_argument, "blob_options.attempts must be >= 1");
  if (parsed->scheme == store_url::kind::file) return open_dir_store(parsed->path, options);
  return open_s3_store(parsed->s3, options);
}

}  // namespace ropekv::blob
