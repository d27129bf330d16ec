#pragma once
// result<T>: a value or an error (code + human message). Libraries return it
// instead of throwing; exceptions are for start-up and configuration only.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "ropekv/common/errc.hpp"

namespace ropekv {

struct error {
  errc code = errc::internal;
  std::string message;
};

inline error make_error(errc code, std::string message = {}) {
  return error{code, std::move(message)};
}

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  result(ropekv::error err) : v_(std::move(err)) {}          // NOLINT
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const ropekv::error& error() const& { assert(!ok()); return std::get<1>(v_); }
  ropekv::error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, ropekv::error> v_;
};

/// result<void>: success or an error.
template <>
class [[nodiscard]] result<void> {
 public:
  result() = default;
  result(ropekv::error err) : err_(std::move(err)), ok_(false) {}  // NOLINT
  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const ropekv::error& error() const& { assert(!ok_); return err_; }
  ropekv::error&& error() && { assert(!ok_); return std::move(err_); }

 private:
  ropekv::error err_;
  bool ok_ = true;
};

using status = result<void>;

}  // namespace ropekv
