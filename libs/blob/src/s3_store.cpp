#include "s3_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <random>
#include <thread>
#include <unistd.h>

#include "blob_key.hpp"
#include "http_client.hpp"
#include "posix_file.hpp"
#include "s3_xml.hpp"
#include "sha256.hpp"
#include "sigv4.hpp"

namespace ropekv::blob {
namespace {

constexpr uint64_t min_part_size = 5ull << 20;  // S3's minimum for every part but the last
constexpr uint64_t max_parts = 10'000;          // S3's maximum part count
constexpr const char* sha_meta = "x-amz-meta-sha256";

using header_list = std::vector<std::pair<std::string, std::string>>;

// One S3 API call before signing: re-signed on every attempt, because the
// signature covers the time.
struct s3_call {
  std::string op;  // for errors and logs: "put", "list", ...
  std::string method;
  std::string path;  // encoded
  header_list query;
  header_list headers;  // extra headers, all signed
  std::string body;
  std::string body_file;
  std::string payload_sha;
};

std::string header(const http_response& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string() : it->second;
}

// The typed error of a final (non-retried) S3 error response.
error s3_error(const http_response& r, const std::string& what) {
  std::string code = xml_text(r.body, "Code").value_or("");
  std::string msg = what + ": HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code);
  if (auto m = xml_text(r.body, "Message")) msg += ": " + *m;
  errc c = errc::io_error;
  if (r.status == 404) c = errc::not_found;
  else if (r.status == 401 || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch") c = errc::unauthenticated;
  else if (r.status == 403) c = errc::permission_denied;
  else if (code == "BadDigest" || code == "XAmzContentSHA256Mismatch") c = errc::corrupt;
  else if (r.status == 413 || code == "EntityTooLarge") c = errc::too_large;
  else if (r.status == 507) c = errc::insufficient_storage;
  else if (r.status == 400) c = errc::invalid_argument;
  return make_error(c, msg);
}

class s3_store final : public blob_store {
 public:
  s3_store(s3_location where, blob_options options, sigv4_credentials creds)
      : where_(std::move(where)), options_(std::move(options)), creds_(std::move(creds)),
        client_(where_.endpoint, options_.timeout, options_.tls_ca_file), rng_(std::random_device{}()) {}

  status put(const std::string& key, std::string_view bytes) override {
    if (auto s = check_key(key); !s) return s;
    std::string sha = sha256_hex(bytes);
    s3_call c{"put", "PUT", object_path(key), {}, {{sha_meta, sha}}, std::string(bytes), {}, sha};
    return expect_2xx(perform(c), c, key);
  }

  status put_file(const std::string& key, const std::string& local_path) override {
    if (auto s = check_key(key); !s) return s;
    auto digest = sha256_file(local_path);
    if (!digest) return std::move(digest).error();
    if (digest->size <= options_.multipart_threshold) {
      // The payload hash SigV4 wants is the object's checksum itself.
      s3_call c{"put_file", "PUT", object_path(key), {}, {{sha_meta, digest->sha256}}, {}, local_path, digest->sha256};
      return expect_2xx(perform(c), c, key);
    }
    return put_multipart(key, local_path, *digest);
  }

  result<std::string> get(const std::string& key) override {
    if (auto s = check_key(key); !s) return std::move(s).error();
    s3_call c{"get", "GET", object_path(key), {}, {}, {}, {}, empty_sha()};
    auto r = perform(c);
    if (!r) return std::move(r).error();
    if (r->status != 200) return s3_error(*r, "get " + key);
    std::string expected = header(*r, sha_meta);
    if (expected.empty()) return make_error(errc::corrupt, "get " + key + ": no checksum recorded (" + sha_meta + ")");
    if (std::string actual = sha256_hex(r->body); actual != expected) {
      return make_error(errc::corrupt, "checksum mismatch for " + key + ": recorded " + expected + ", read " + actual);
    }
    return std::move(r->body);
  }

  status get_file(const std::string& key, const std::string& local_path) override {
    if (auto s = check_key(key); !s) return s;
    std::string tmp = local_path + std::string(reserved_name_prefix) + unique_temp_name();
    auto fail = [&](error e) -> status { ::unlink(tmp.c_str()); return e; };
    s3_call c{"get_file", "GET", object_path(key), {}, {}, {}, {}, empty_sha()};
    auto r = perform(c, tmp);
    if (!r) return fail(std::move(r).error());
    if (r->status != 200) return fail(s3_error(*r, "get " + key));
    std::string expected = header(*r, sha_meta);
    if (expected.empty()) return fail(make_error(errc::corrupt, "get " + key + ": no checksum recorded"));
    auto actual = sha256_file(tmp);
    if (!actual) return fail(std::move(actual).error());
    if (actual->sha256 != expected) {
      return fail(make_error(errc::corrupt,
                             "checksum mismatch for " + key + ": recorded " + expected + ", read " + actual->sha256));
    }
    {
      unique_fd fd(::open(tmp.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) return fail(errno_error(errno, "open", tmp));
      if (auto s = fsync_fd(fd.get(), tmp); !s) return fail(std::move(s).error());
    }
    if (::rename(tmp.c_str(), local_path.c_str()) != 0) return fail(errno_error(errno, "rename to", local_path));
    return fsync_dir(parent_dir(local_path));
  }

  result<blob_info> stat(const std::string& key) override {
    if (auto s = check_key(key); !s) return std::move(s).error();
    s3_call c{"stat", "HEAD", object_path(key), {}, {}, {}, {}, empty_sha()};
    auto r = perform(c);
    if (!r) return std::move(r).error();
    if (r->status != 200) return s3_error(*r, "stat " + key);
    std::string sha = header(*r, sha_meta);
    if (sha.empty()) return make_error(errc::corrupt, "stat " + key + ": no checksum recorded");
    return blob_info{key, std::strtoull(header(*r, "content-length").c_str(), nullptr, 10), std::move(sha)};
  }

  result<std::vector<blob_info>> list(const std::string& prefix) override {
    if (auto s = check_prefix(prefix); !s) return std::move(s).error();
    std::vector<blob_info> out;
    std::string token;
    for (;;) {
      s3_call c{"list", "GET", bucket_path(), {{"list-type", "2"}, {"prefix", where_.prefix + prefix},
                                               {"max-keys", std::to_string(options_.list_page_size)}},
                {}, {}, {}, empty_sha()};
      if (!token.empty()) c.query.emplace_back("continuation-token", token);
      auto r = perform(c);
      if (!r) return std::move(r).error();
      if (r->status != 200) return s3_error(*r, "list " + prefix);
      auto page = parse_list_page(r->body);
      if (!page) return make_error(errc::io_error, "list " + prefix + ": malformed ListObjectsV2 answer");
      for (auto& e : page->entries) {
        if (e.key.compare(0, where_.prefix.size(), where_.prefix) != 0) continue;
        out.push_back(blob_info{e.key.substr(where_.prefix.size()), e.size, {}});
      }
      if (!page->truncated) break;
      if (page->next_token.empty() || page->next_token == token) {
        return make_error(errc::io_error, "list " + prefix + ": truncated page without a new continuation token");
      }
      token = page->next_token;
    }
    std::sort(out.begin(), out.end(), [](const blob_info& a, const blob_info& b) { return a.key < b.key; });
    return out;
  }

  status remove(const std::string& key) override {
    if (auto s = check_key(key); !s) return s;
    s3_call c{"remove", "DELETE", object_path(key), {}, {}, {}, {}, empty_sha()};
    auto r = perform(c);
    if (!r) return std::move(r).error();
    if (r->status / 100 == 2 || r->status == 404) return {};
    return s3_error(*r, "remove " + key);
  }

  std::string describe() const override {
    std::string out = "s3://" + where_.bucket + "/" + where_.prefix;
    out += where_.path_style ? "?endpoint=" + std::string(where_.endpoint.tls ? "https://" : "http://") +
                                   where_.endpoint.host_header() + "&region=" + where_.region
                             : "?region=" + where_.region;
    return out;
  }

 private:
  static const std::string& empty_sha() {
    static const std::string sha = sha256_hex("");
    return sha;
  }

  std::string object_path(const std::string& key) const {
    std::string full = uri_encode(where_.prefix + key, false);
    return where_.path_style ? "/" + where_.bucket + "/" + full : "/" + full;
  }
  std::string bucket_path() const { return where_.path_style ? "/" + where_.bucket : "/"; }

  status expect_2xx(result<http_response> r, const s3_call& c, const std::string& key) {
    if (!r) return std::move(r).error();
    if (r->status / 100 != 2) return s3_error(*r, c.op + " " + key);
    return {};
  }

  http_request sign(const s3_call& c) {
    std::string date = amz_date(std::chrono::system_clock::now());
    sigv4_request sr{c.method, c.path, c.query, c.headers, c.payload_sha};
    sr.headers.emplace_back("host", where_.endpoint.host_header());
    sr.headers.emplace_back("x-amz-date", date);
    sr.headers.emplace_back("x-amz-content-sha256", c.payload_sha);
    http_request req;
    req.method = c.method;
    req.target = c.path;
    if (!c.query.empty()) req.target += "?" + canonical_query(c.query);
    for (const auto& h : sr.headers) {
      if (h.first != "host") req.headers.push_back(h);
    }
    req.headers.emplace_back("authorization", sigv4_authorization(sr, creds_, date, where_.region, "s3"));
    if (c.method == "PUT") req.headers.emplace_back("content-type", "application/octet-stream");
    req.body = c.body;
    req.body_file = c.body_file;
    return req;
  }

  // Sends `c` until it gets a final answer: transport failures, 5xx and 429
  // are retried with doubling back-off (jittered) up to options.attempts;
  // what is left then is errc::unavailable. Any other status is returned.
  result<http_response> perform(const s3_call& c, const std::string& download_path = {}) {
    error last;
    auto delay = options_.backoff;
    for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
      if (attempt > 1) {
        std::uniform_real_distribution<double> jitter(0.8, 1.2);
        std::this_thread::sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(delay * jitter(rng_)));
        delay *= 2;
      }
      auto r = client_.send(sign(c), download_path);
      if (!r) {
        // Local trouble (a file, the CA file) does not get better by retrying.
        if (r.error().code == errc::io_error || r.error().code == errc::invalid_argument) return std::move(r).error();
        last = std::move(r).error();
      } else if (r->status >= 500 || r->status == 429) {
        last = s3_error(*r, c.op);
      } else {
        return r;
      }
      spdlog::warn("event=blob_retry store=\"{}\" op={} attempt={} of={} error=\"{}\"", describe(), c.op, attempt,
                   options_.attempts, last.message);
    }
    return make_error(errc::unavailable, "s3 " + c.op + " failed after " + std::to_string(options_.attempts) +
                                             " attempts: " + last.message);
  }

  uint64_t part_size_for(uint64_t size) const {
    uint64_t part = std::max(options_.part_size, min_part_size);
    if ((size + part - 1) / part > max_parts) {
      part = (size + max_parts - 1) / max_parts;
      part = (part + (1 << 20) - 1) / (1 << 20) * (1 << 20);
    }
    return part;
  }

  // Multipart upload: create, upload parts (each retried on its own),
  // complete. Any failure aborts the upload so no parts linger; the object
  // appears only at completion, whole.
  status put_multipart(const std::string& key, const std::string& local_path, const file_digest& digest) {
    s3_call create{"multipart_create", "POST", object_path(key), {{"uploads", ""}}, {{sha_meta, digest.sha256}},
                   {}, {}, empty_sha()};
    auto created = perform(create);
    if (!created) return std::move(created).error();
    if (created->status != 200) return s3_error(*created, "multipart create " + key);
    auto upload_id = xml_text(created->body, "UploadId");
    if (!upload_id || upload_id->empty()) return make_error(errc::io_error, "multipart create " + key + ": no UploadId");
    spdlog::info("event=blob_multipart_start store=\"{}\" key={} size={} upload_id={}", describe(), key, digest.size,
                 *upload_id);
    auto result = upload_parts(key, local_path, digest, *upload_id);
    if (!result) {
      s3_call abort{"multipart_abort", "DELETE", object_path(key), {{"uploadId", *upload_id}}, {}, {}, {}, empty_sha()};
      auto aborted = perform(abort);
      spdlog::warn("event=blob_multipart_aborted store=\"{}\" key={} upload_id={} abort_ok={} error=\"{}\"", describe(),
                   key, *upload_id, aborted && aborted->status / 100 == 2, result.error().message);
    }
    return result;
  }

  status upload_parts(const std::string& key, const std::string& local_path, const file_digest& digest,
                      const std::string& upload_id) {
    unique_fd fd(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return errno_error(errno, "open", local_path);
    uint64_t part_size = part_size_for(digest.size);
    std::vector<completed_part> parts;
    sha256_stream whole;
    std::string buf(part_size, '\0');
    for (int number = 1;; ++number) {
      auto n = read_some(fd.get(), buf.data(), buf.size(), local_path);
      if (!n) return std::move(n).error();
      if (*n == 0 && number > 1) break;
      std::string_view bytes(buf.data(), *n);
      whole.update(bytes);
      std::string sha = sha256_hex(bytes);
      s3_call c{"multipart_part", "PUT", object_path(key),
                {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}}, {}, std::string(bytes), {}, sha};
      auto r = perform(c);
      if (!r) return std::move(r).error();
      if (r->status != 200) return s3_error(*r, "multipart part " + std::to_string(number) + " of " + key);
      std::string etag = header(*r, "etag");
      if (etag.empty()) return make_error(errc::io_error, "multipart part of " + key + ": no ETag");
      parts.push_back(completed_part{number, std::move(etag)});
      if (*n < buf.size()) break;
    }
    // The checksum recorded at create must describe the bytes sent.
    if (whole.hex_digest() != digest.sha256) {
      return make_error(errc::io_error, local_path + " changed while it was uploaded");
    }
    std::string body = complete_multipart_body(parts);
    s3_call done{"multipart_complete", "POST", object_path(key), {{"uploadId", upload_id}}, {}, body, {},
                 sha256_hex(body)};
    auto r = perform(done);
    if (!r) return std::move(r).error();
    // S3 may answer 200 and still report an error in the body.
    if (r->status != 200 || r->body.find("<Error>") != std::string::npos) {
      return s3_error(*r, "multipart complete " + key);
    }
    return {};
  }

  s3_location where_;
  blob_options options_;
  sigv4_credentials creds_;
  http_client client_;
  std::mt19937 rng_;
};

}  // namespace

result<std::unique_ptr<blob_store>> open_s3_store(const s3_location& where, const blob_options& options) {
  sigv4_credentials creds{options.access_key, options.secret_key};
  if (creds.access_key.empty() && creds.secret_key.empty()) {
    const char* id = std::getenv("AWS_ACCESS_KEY_ID");
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    creds.access_key = id ? id : "";
    creds.secret_key = secret ? secret : "";
  }
  if (creds.access_key.empty() || creds.secret_key.empty()) {
    return make_error(errc::invalid_argument,
                      "s3:// store needs credentials: blob_options or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  if (options.part_size < min_part_size) {
    return make_error(errc::invalid_argument, "blob_options.part_size must be at least 5 MiB (S3's minimum part)");
  }
  if (options.list_page_size < 1 || options.list_page_size > 1000) {
    return make_error(errc::invalid_argument, "blob_options.list_page_size must be 1..1000");
  }
  if (options.timeout.count() <= 0) return make_error(errc::invalid_argument, "blob_options.timeout must be > 0");
  return std::unique_ptr<blob_store>(std::make_unique<s3_store>(where, options, std::move(creds)));
}

}  // namespace ropekv::blob
