#pragma once
// The S3-compatible store behind `s3://bucket/prefix?endpoint=…&region=…`.
#include <memory>

#include "blob_url.hpp"
#include "ropekv/blob/blob_store.hpp"

namespace ropekv::blob {

/// Credentials from `options`, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
/// (errc::invalid_argument when neither has them). Opens no connection:
/// the first request does.
result<std::unique_ptr<blob_store>> open_s3_store(const s3_location& where, const blob_options& options);

}  // namespace ropekv::blob
