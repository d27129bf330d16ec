#pragma once
// One generic CAF inspect() for every protobuf message, so protobuf types
// travel inside CAF messages (locally by value, remotely as their wire bytes).
// Declared in namespace ropekv::pb so argument-dependent lookup finds it.
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>
#include <google/protobuf/message_lite.h>

#include <string>
#include <type_traits>

#include "ropekv/proto/ropekv.pb.h"

namespace ropekv::pb {

template <class Inspector, class T>
std::enable_if_t<std::is_base_of_v<google::protobuf::MessageLite, T>,
                 typename Inspector::result_type>
inspect(Inspector& f, T& msg) {
  std::string bytes;
  if constexpr (Inspector::reads_state) {
    msg.SerializeToString(&bytes);
    return f(caf::meta::type_name(T::descriptor()->full_name().c_str()), bytes);
  } else {
    auto load = caf::meta::load_callback([&]() -> caf::error {
      if (!msg.ParseFromString(bytes)) return caf::sec::invalid_argument;
      return caf::none;
    });
    return f(caf::meta::type_name(T::descriptor()->full_name().c_str()), bytes, load);
  }
}

}  // namespace ropekv::pb
