#pragma once
// Structured logs of the segment-owner: key=value lines on stderr (stdout
// carries only the "listening on" line test harnesses wait for), in the
// same shape as the other services' logs.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

namespace ropekv::segment_owner {

inline void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("segment-owner");
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l svc=segment-owner %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace ropekv::segment_owner
