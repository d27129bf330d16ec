#include "ropekv/net/json_writer.hpp"

#include <cmath>

namespace ropekv::net {

json_writer& json_writer::key(std::string_view k) {
  writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
  return *this;
}

json_writer& json_writer::value(std::string_view v) {
  writer_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  return *this;
}

json_writer& json_writer::value(double v) {
  if (std::isfinite(v)) writer_.Double(v);
  else writer_.Null();
  return *this;
}

json_writer& json_writer::raw(std::string_view json) {
  // The type only matters for RapidJSON's key/value bookkeeping, not output.
  writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  return *this;
}

std::string json_writer::take() {
  std::string out(buffer_.GetString(), buffer_.GetSize());
  buffer_.Clear();
  writer_.Reset(buffer_);
  return out;
}

}  // namespace ropekv::net
