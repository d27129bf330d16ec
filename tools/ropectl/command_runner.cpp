#include "command_runner.hpp"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ostream>

#include "export_runner.hpp"
#include "hook_secret.hpp"
#include "index_runner.hpp"
#include "item_source.hpp"
#include "load_runner.hpp"
#include "node_runner.hpp"
#include "output_formatter.hpp"
#include "request_builder.hpp"
#include "runner_output.hpp"
#include "watch_runner.hpp"

namespace ropekv::ctl {
namespace {

int run_pages(const parsed_args& args, const fetch_fn& fetch, std::ostream& out, std::ostream& err) {
  const command& cmd = args.cmd;
  size_t items = 0;
  auto on_page = [&](const http_reply& reply, const json_value& page) {
    if (args.global.json) return print_json(reply.body, out);
    items += page_items(page).size();
    out << format_items(page) << std::flush;  // show progress while --all pages
  };
  auto paged = follow_pages(build_request(cmd), cmd.range.all, fetch, on_page);
  if (!paged) return report_failure(paged.error(), err);
  if (!is_success(paged->last.status)) return report_reply(paged->last.status, paged->last.body, err);
  if (!args.global.json) {
    if (items == 0 && !paged->cursor) out << "(no items)\n";
    if (paged->cursor)
      err << "more items: add --cursor " << shell_quote(*paged->cursor) << " (or --all)\n";
  }
  return exit_ok;
}

// A secret ropectl generated exists nowhere else once the router has it:
// shown on stdout with the human output, on stderr with --json (stdout then
// stays one JSON object per line).
void show_generated_secret(const parsed_args& args, std::ostream& out, std::ostream& err) {
  const hook_options& h = args.cmd.hook;
  if (!h.secret_generated || !h.secret) return;
  (args.global.json ? err : out) << "secret: " << *h.secret << "\n";
  err << "note: keep this secret now; the router never shows it again\n";
}

int run_single(const parsed_args& args, const fetch_fn& fetch, std::ostream& out, std::ostream& err) {
  auto reply = fetch(build_request(args.cmd));
  if (!reply) {
    int code = report_failure(reply.error(), err);
    // No answer: the hook may have been stored with this secret all the same.
    if (args.cmd.hook.secret_generated && args.cmd.hook.secret)
      err << "the hook may have been stored with secret: " << *args.cmd.hook.secret << "\n";
    return code;
  }
  if (!is_success(reply->status)) {
    if (args.cmd.kind != command_kind::transact) return report_reply(reply->status, reply->body, err);
    err << format_transaction_error(args.cmd, reply->status, reply->body) << "\n";
    return exit_code_for_reply(reply->status, reply->body);
  }
  if (args.global.json) {
    print_json(reply->body, out);
    show_generated_secret(args, out, err);
    return exit_ok;
  }
  // 204 or an empty body: the formatter still says what was done.
  json_value body = json_value::make(json_value::kind::object);
  if (!reply->body.empty()) {
    auto parsed = json_value::parse(reply->body);
    if (!parsed) {
      // Plain-text answers (a health check behind a proxy) are shown as they are.
      if (args.cmd.kind == command_kind::health) {
        out << reply->body << (reply->body.back() == '\n' ? "" : "\n");
        return exit_ok;
      }
      return report_failure(
          make_error(errc::internal, "router answer is not JSON: " + parsed.error().message), err);
    }
    body = std::move(parsed).value();
  }
  out << format_success(args.cmd, body, reply->status);
  show_generated_secret(args, out, err);
  return exit_ok;
}

}  // namespace

int run_command(parsed_args& args, const fetch_fn& fetch, std::istream& in, std::ostream& out,
                std::ostream& err, const index_wait_env& env) {
  command& cmd = args.cmd;
  if (cmd.kind == command_kind::put) {
    auto item = read_item(cmd.item_arg, in);
    if (!item) {
      err << "error: usage: " << item.error().message << "\n";
      return exit_usage;
    }
    cmd.item = std::move(item).value();
  }
  if (cmd.kind == command_kind::transact) {
    auto text = read_transaction(cmd.transaction_file, in);
    if (!text) {
      err << "error: usage: " << text.error().message << "\n";
      return exit_usage;
    }
    cmd.transaction = std::move(text).value();
  }
  if (cmd.kind == command_kind::hooks_put && !cmd.hook.secret) {
    cmd.hook.secret = generate_hook_secret();
    cmd.hook.secret_generated = true;
  }
  if (cmd.kind == command_kind::watch) {
    err << "error: internal: watch does not run over HTTP\n";
    return exit_internal;
  }
  if (cmd.kind == command_kind::load || cmd.kind == command_kind::export_) {
    bulk_env bulk;
    bulk.make_fetch = [fetch] { return fetch; };  // one transport for every worker: it must be thread-safe
    bulk.terminal = env.terminal;
    bulk.sleep = env.sleep;
    return cmd.kind == command_kind::load ? run_load(args, bulk, in, out, err) : run_export(args, bulk, out, err);
  }
  if (cmd.kind == command_kind::query || cmd.kind == command_kind::scan)
    return run_pages(args, fetch, out, err);
  if (is_index_command(cmd.kind)) return run_index(args, fetch, out, err, env);
  if (is_node_command(cmd.kind)) return run_node(args, fetch, out, err, env);
  return run_single(args, fetch, out, err);
}

int run_command(parsed_args& args, std::istream& in, std::ostream& out, std::ostream& err) {
  if (args.cmd.kind == command_kind::watch) return run_watch(args, out, err);
  auto endpoint = parse_router_url(args.global.router_url);
  if (!endpoint) {
    err << "error: usage: " << endpoint.error().message << "\n";
    return exit_usage;
  }
  endpoint->token = args.global.token;
  // Capped at a year so that now() + timeout cannot overflow the clock.
  double seconds = std::min(args.global.timeout_seconds, 365.0 * 24 * 3600);
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
  if (args.cmd.kind == command_kind::load || args.cmd.kind == command_kind::export_) {
    bulk_env bulk;
    bulk.make_fetch = [endpoint = *endpoint, timeout]() -> fetch_fn {
      auto client = std::make_shared<http_client>(endpoint, timeout);
      return [client](const api_call& call) { return client->send(call); };
    };
    bulk.terminal = isatty(STDERR_FILENO) == 1;
    winsize ws{};
    if (bulk.terminal && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) bulk.width = ws.ws_col;
    struct stat st{};
    if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode)) bulk.stdin_size = static_cast<uint64_t>(st.st_size);
    return args.cmd.kind == command_kind::load ? run_load(args, bulk, in, out, err) : run_export(args, bulk, out, err);
  }
  http_client client(std::move(endpoint).value(), timeout);
  index_wait_env env;
  env.terminal = isatty(STDERR_FILENO) == 1;
  return run_command(args, [&client](const api_call& call) { return client.send(call); }, in, out, err, env);
}

}  // namespace ropekv::ctl
