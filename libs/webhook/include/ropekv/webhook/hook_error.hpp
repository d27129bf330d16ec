#pragma once
// The error a hook definition can fail with, and checked<T> (a value or a
// hook_error) for the parsing/validation functions.
//
// Why a type beside ropekv::error: the router reports each failure with a
// distinct machine-readable code (`bad_url`, `bad_secret`, ...) in its JSON
// error body, while every one of them is the same errc (invalid_argument,
// HTTP 400). The codes are the constants below and nothing else.
#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "ropekv/common/result.hpp"

namespace ropekv::webhook {

namespace hook_code {
inline constexpr std::string_view bad_request = "bad_request";  // none of the below
inline constexpr std::string_view bad_name = "bad_name";
inline constexpr std::string_view bad_url = "bad_url";
inline constexpr std::string_view bad_table = "bad_table";
inline constexpr std::string_view bad_event = "bad_event";
inline constexpr std::string_view bad_prefix = "bad_prefix";
inline constexpr std::string_view bad_secret = "bad_secret";
}  // namespace hook_code

struct hook_error {
  std::string_view code = hook_code::bad_request;  // one of hook_code::*
  std::string message;

  /// As a library error: always invalid_argument, message prefixed by code.
  ropekv::error to_error() const { return make_error(errc::invalid_argument, std::string(code) + ": " + message); }
};

/// A value or a hook_error.
template <class T>
class [[nodiscard]] checked {
 public:
  checked(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  checked(hook_error err) : v_(std::move(err)) {}  // NOLINT
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const hook_error& error() const& { assert(!ok()); return std::get<1>(v_); }
  hook_error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, hook_error> v_;
};

}  // namespace ropekv::webhook
