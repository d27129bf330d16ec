#pragma once
// Structured logs for service processes: key=value lines on stderr (stdout
// carries only the "listening on" line test harnesses wait for).
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

namespace ropekv::placement_service {

inline void setup_logging(const std::string& service, const std::string& level) {
  auto logger = spdlog::stderr_logger_mt(service);
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l svc=" + service + " %v",
                      spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace ropekv::placement_service
