#pragma once
// ropekv::error -> pb::Status, the outcome every placement reply carries
// (error_code 0 = ok, else ropekv::errc), so a typed outcome survives the
// network unchanged.
#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::placement_service {

inline pb::Status to_status(const error& e) {
  pb::Status s;
  s.set_error_code(static_cast<uint32_t>(e.code));
  s.set_message(e.message);
  return s;
}

inline bool is_ok(const pb::Status& s) noexcept { return s.error_code() == 0; }

}  // namespace ropekv::placement_service
