#include "node_runner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <thread>

#include "drain_progress.hpp"
#include "exit_codes.hpp"
#include "output_formatter.hpp"
#include "request_builder.hpp"
#include "runner_output.hpp"
#include "ropekv/net/json_writer.hpp"

namespace ropekv::ctl {
namespace {

using clock_type = std::chrono::steady_clock;

// The parts of one wait that the exits share.
struct drain_wait {
  const parsed_args& args;
  std::ostream& out;
  std::ostream& err;
  drain_display display;
  drain_snapshot last;

  bool json() const { return args.global.json; }

  // Ends the progress display; in --json mode writes the summary.
  int finish(int code) {
    err << display.finish() << std::flush;
    if (json()) {
      net::json_writer w;
      w.begin_object().field("event", "summary").field("node", args.cmd.node.id);
      w.field("drained", code == exit_ok).field("initial_replicas", last.initial);
      w.field("replicas", last.now.replicas).field("moves_in_flight", last.now.moves_out);
      w.field("seconds", std::round(last.seconds * 1000) / 1000).field("exit_code", code).end_object();
      out << w.take().append("\n") << std::flush;
    } else if (code == exit_ok) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.1fs", last.seconds);
      out << "node " << args.cmd.node.id << " drained: " << last.initial
          << (last.initial == 1 ? " replica" : " replicas") << " moved off in " << secs << "\n";
    }
    return code;
  }

  // An error line below the progress, then the summary.
  int fail(int code, const std::string& line) {
    err << display.finish() << line << "\n";
    return finish(code);
  }
};

drain_display::mode display_mode(const parsed_args& args, const index_wait_env& env) {
  if (args.global.json) return drain_display::mode::json;
  return env.terminal ? drain_display::mode::terminal : drain_display::mode::lines;
}

// The node's replicas in the POST's answer {"node":{...}}: where the bar starts.
uint64_t initial_replicas(const http_reply& reply) {
  auto body = json_value::parse(reply.body);
  if (!body) return 0;
  const json_value* node = body->find("node");
  const json_value* replicas = node ? node->find("replicas") : nullptr;
  return replicas ? replicas->as_uint64().value_or(0) : 0;
}

int wait_for_drain(const parsed_args& args, const fetch_fn& fetch, const http_reply& posted, std::ostream& out,
                   std::ostream& err, const index_wait_env& env) {
  const uint64_t id = args.cmd.node.id;
  auto now = [&env] { return env.now ? env.now() : clock_type::now(); };
  const auto start = now();
  const auto limit = std::chrono::duration<double>(std::min(args.cmd.node.wait_seconds, 365.0 * 24 * 3600));
  const auto deadline = start + std::chrono::duration_cast<clock_type::duration>(limit);
  auto seconds = [&] { return std::chrono::duration<double>(now() - start).count(); };

  drain_wait wait{args, out, err, drain_display(display_mode(args, env)), {}};
  drain_tracker tracker(initial_replicas(posted));
  wait.last.now.node = id;
  wait.last.initial = initial_replicas(posted);
  const api_call poll{"GET", "/v1/cluster", {}};
  std::string transient;  // the last retryable failure, for the timeout message
  for (;;) {
    auto reply = fetch(poll);
    if (!reply) {
      if (reply.error().code != errc::unavailable && reply.error().code != errc::timeout) {
        err << wait.display.finish();
        return wait.finish(report_failure(reply.error(), err));
      }
      transient = reply.error().message;
    } else if (!is_success(reply->status)) {
      if (!is_retryable_status(reply->status)) {
        err << wait.display.finish();
        return wait.finish(report_reply(reply->status, reply->body, err));
      }
      transient = format_error(reply->status, reply->body);
    } else {
      auto body = json_value::parse(reply->body);
      if (!body || !body->is_object())
        return wait.fail(exit_internal, "error: internal: GET /v1/cluster answer is not a JSON object");
      drain_progress p = read_drain_progress(*body, id);
      if (!p.known)
        return wait.fail(exit_not_found, "error: not_found: node " + std::to_string(id) + " left the cluster");
      wait.last = tracker.observe(p, seconds());
      (args.global.json ? out : err) << wait.display.update(wait.last) << std::flush;
      if (!p.draining)
        return wait.fail(exit_conflict, "error: drain_cancelled: node " + std::to_string(id) +
                                            " is no longer draining (node undrain?)");
      if (is_drained(p)) return wait.finish(exit_ok);
      transient.clear();
    }
    auto left = deadline - now();
    if (left <= clock_type::duration::zero()) {
      wait.last.seconds = seconds();
      const drain_progress& p = wait.last.now;
      std::string line = "error: timeout: node " + std::to_string(id) + " still holds " +
                         std::to_string(p.replicas) + (p.replicas == 1 ? " replica (" : " replicas (") +
                         std::to_string(p.moves_out) + (p.moves_out == 1 ? " move" : " moves") +
                         " in flight) after " + format_elapsed(wait.last.seconds) + "; the drain goes on";
      if (!transient.empty()) line += "; last poll: " + transient;
      return wait.fail(exit_unavailable, line);
    }
    auto pause = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(left) +
                              std::chrono::milliseconds(1),
                          std::chrono::milliseconds(node_poll_interval));
    if (env.sleep) env.sleep(pause);
    else std::this_thread::sleep_for(pause);
  }
}

}  // namespace

bool is_node_command(command_kind kind) {
  return kind == command_kind::nodes || kind == command_kind::node_drain || kind == command_kind::node_undrain;
}

int run_node(const parsed_args& args, const fetch_fn& fetch, std::ostream& out, std::ostream& err,
             const index_wait_env& env) {
  const command& cmd = args.cmd;
  auto reply = fetch(build_request(cmd));
  if (!reply) return report_failure(reply.error(), err);
  if (!is_success(reply->status)) return report_reply(reply->status, reply->body, err);
  if (cmd.kind == command_kind::node_drain && cmd.node.wait)
    return wait_for_drain(args, fetch, *reply, out, err, env);
  if (args.global.json) {
    print_json(reply->body, out);
    return exit_ok;
  }
  auto body = json_value::parse(reply->body);
  if (!body) return report_failure(make_error(errc::internal, "router answer is not JSON: " + body.error().message), err);
  out << format_success(cmd, *body, reply->status);
  return exit_ok;
}

}  // namespace ropekv::ctl
