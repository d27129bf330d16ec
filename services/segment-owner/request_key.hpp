#pragma once
// The rope key a request touches, for load sampling (load_meter): a get or
// a write's item key, a range query's first key (the hash key, from its
// lower bound), a scan's start. A transaction's ops, rollbacks and admin
// requests have none: they are counted as load but never sampled.
#include <optional>
#include <string>

#include "ropekv/proto/service.pb.h"

namespace ropekv::segment_owner {

std::optional<std::string> request_key(const pb::GetRequest& req);
std::optional<std::string> request_key(const pb::WriteRequest& req);
std::optional<std::string> request_key(const pb::RangeRequest& req);
std::optional<std::string> request_key(const pb::ScanRequest& req);

/// Everything else: no key.
template <class Request>
std::optional<std::string> request_key(const Request&) {
  return std::nullopt;
}

}  // namespace ropekv::segment_owner
