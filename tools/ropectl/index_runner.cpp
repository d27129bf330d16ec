#include "index_runner.hpp"

#include <ostream>
#include <thread>

#include "index_progress.hpp"
#include "output_formatter.hpp"
#include "request_builder.hpp"
#include "runner_output.hpp"

namespace ropekv::ctl {
namespace {

// A non-2xx answer: its error line and the exit code of its class.
int report_status(const http_reply& reply, std::ostream& err) {
  return report_reply(reply.status, reply.body, err);
}

int run_query(const parsed_args& args, const fetch_fn& fetch, std::ostream& out, std::ostream& err) {
  const bool all = args.cmd.range.all;
  auto on_page = [&](const http_reply& reply, const json_value& page) {
    if (!all || args.global.json) return print_json(reply.body, out);
    for (const json_value* item : page_items(page)) out << item->to_json() << "\n";
    out << std::flush;  // items show up while further pages are fetched
  };
  auto paged = follow_pages(build_request(args.cmd), all, fetch, on_page);
  if (!paged) return report_failure(paged.error(), err);
  if (!is_success(paged->last.status)) return report_status(paged->last, err);
  return exit_ok;
}

/// create --wait: observe the index from the PUT's answer, then by GET,
/// until it is active.
int wait_until_active(const parsed_args& args, const fetch_fn& fetch, http_reply reply, std::ostream& out,
                      std::ostream& err, const index_wait_env& env) {
  command get = args.cmd;
  get.kind = command_kind::index_get;
  const api_call poll = build_request(get);
  progress_display display(env.terminal);
  for (;;) {
    auto index = json_value::parse(reply.body);
    if (!index || !index->is_object()) {
      err << display.finish();
      return report_failure(make_error(errc::internal, "router answer is not an index object"), err);
    }
    index_progress progress = read_progress(*index);
    err << display.update(progress) << std::flush;
    if (is_active(progress)) {
      err << display.finish() << std::flush;
      print_json(reply.body, out);
      return exit_ok;
    }
    if (env.sleep) env.sleep(index_poll_interval);
    else std::this_thread::sleep_for(index_poll_interval);
    auto next = fetch(poll);
    if (!next || !is_success(next->status)) {
      err << display.finish();  // the error goes below the progress line, not over it
      return next ? report_status(*next, err) : report_failure(next.error(), err);
    }
    reply = std::move(next).value();
  }
}

}  // namespace

bool is_index_command(command_kind kind) {
  switch (kind) {
    case command_kind::index_create:
    case command_kind::index_get:
    case command_kind::index_list:
    case command_kind::index_delete:
    case command_kind::index_query: return true;
    default: return false;
  }
}

int run_index(const parsed_args& args, const fetch_fn& fetch, std::ostream& out, std::ostream& err,
              const index_wait_env& env) {
  const command& cmd = args.cmd;
  if (cmd.kind == command_kind::index_query) return run_query(args, fetch, out, err);
  auto reply = fetch(build_request(cmd));
  if (!reply) return report_failure(reply.error(), err);
  if (!is_success(reply->status)) return report_status(*reply, err);
  if (cmd.kind == command_kind::index_create && cmd.index.wait)
    return wait_until_active(args, fetch, std::move(reply).value(), out, err, env);
  print_json(reply->body, out);
  return exit_ok;
}

}  // namespace ropekv::ctl
