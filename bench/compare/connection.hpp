#pragma once
// One closed-loop client connection (one request in flight at a time) as an
// Asio coroutine: HTTP/1.1 keep-alive (Beast parser) or RESP.
#include <utility>  // before awaitable.hpp: Boost 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include <cstdint>

#include "workload.hpp"

namespace ropekv::bench {

boost::asio::awaitable<void> run_http_connection(const run_spec& spec, run_control& ctl,
                                                 run_stats& stats, uint64_t seed);
boost::asio::awaitable<void> run_resp_connection(const run_spec& spec, run_control& ctl,
                                                 run_stats& stats, uint64_t seed);

}  // namespace ropekv::bench
