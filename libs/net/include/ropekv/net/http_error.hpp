#pragma once
// HTTP-facing errors: the one errc -> status function, the JSON error body
// {"error":{"code":"…","message":"…"}}, and http_result<T> for the request
// layer.
//
// Why a type beside ropekv::error: a few HTTP codes have no errc because no
// library caller reacts to them (`invalid_json`, `method_not_allowed`); the
// request layer still has to name them. Every errc maps to exactly one
// http_error via http_error::from, whose `code` is to_string(errc).
//
// Status decisions (see http_status):
//   invalid_argument 400, not_found 404, already_exists 409,
//   condition_failed 412, too_large 413, version_gone 410 (not 404: "the item
//   exists but that version was compacted" needs a different client reaction),
//   unavailable/timeout/wrong_segment/not_leader 503 (the router retries the
//   last two itself; if they leak they are retryable, hence 503),
//   corrupt/io_error/internal 500.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "ropekv/common/result.hpp"
#include "ropekv/net/http_message.hpp"

namespace ropekv::net {

/// HTTP status for a library error code.
unsigned http_status(errc code) noexcept;

/// Codes the request layer uses that are not errc values.
inline constexpr std::string_view invalid_json_code = "invalid_json";
inline constexpr std::string_view method_not_allowed_code = "method_not_allowed";

struct http_error {
  unsigned status = 500;
  std::string code = "internal";
  std::string message;
  std::string allow;  // only for 405: value of the Allow header

  static http_error from(errc code, std::string message);
  static http_error from(const ropekv::error& err) { return from(err.code, err.message); }
  static http_error invalid_json(std::string message);
  static http_error method_not_allowed(std::string allow);
};

/// {"error":{"code":"…","message":"…"}}
std::string error_body(const http_error& err);

/// The full response for an error (JSON body, Allow header for 405).
http_response error_response(const http_error& err);

/// A value or an http_error; the request layer's result<T>.
template <class T>
class [[nodiscard]] http_result {
 public:
  http_result(T value) : v_(std::move(value)) {}              // NOLINT: implicit by design
  http_result(http_error err) : v_(std::move(err)) {}         // NOLINT
  http_result(const ropekv::error& err) : v_(http_error::from(err)) {}  // NOLINT
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const http_error& error() const& { assert(!ok()); return std::get<1>(v_); }
  http_error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, http_error> v_;
};

/// http_result<void>: success or an http_error.
template <>
class [[nodiscard]] http_result<void> {
 public:
  http_result() = default;
  http_result(http_error err) : err_(std::move(err)), ok_(false) {}  // NOLINT
  http_result(const ropekv::error& err) : err_(http_error::from(err)), ok_(false) {}  // NOLINT
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const http_error& error() const& { assert(!ok_); return err_; }
  http_error&& error() && { assert(!ok_); return std::move(err_); }

 private:
  http_error err_;
  bool ok_ = true;
};

}  // namespace ropekv::net
