#pragma once
// The two kinds of client connection of ropekv-ws-bench, as Asio coroutines.
#include <utility>  // before awaitable.hpp: Boost 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include "ws_bench.hpp"

namespace ropekv::bench {

/// Closed loop of PUTs through the router until the deadline: key
/// `prefix + seq` (seq from the shared counter), item {"t_ns":<send time>,
/// "pad":"x..."}. Any non-2xx answer or I/O failure counts as an error.
boost::asio::awaitable<void> run_writer_connection(const ws_bench_spec& spec, writer_control& ctl,
                                                   writer_stats& stats);

/// One WebSocket subscriber: connects, subscribes to the table from now and
/// reads until the run stops, recording every event of this run's keys.
boost::asio::awaitable<void> run_subscriber(const ws_bench_spec& spec, subscriber_control& ctl,
                                            subscriber_state& state, thread_stats& stats);

}  // namespace ropekv::bench
