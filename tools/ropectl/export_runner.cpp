#include "export_runner.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>

#include "output_formatter.hpp"
#include "request_builder.hpp"
#include "ropekv/net/json_writer.hpp"
#include "runner_output.hpp"
#include "transfer_progress.hpp"

namespace ropekv::ctl {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr uint32_t export_page_items = 1000;  // the scan endpoint's maximum

std::string summary_json(const parsed_args& args, const transfer_snapshot& s, int code) {
  net::json_writer w;
  w.begin_object().field("event", "summary").field("table", args.cmd.table).field("items", s.items);
  w.field("bytes", s.bytes).field("seconds", std::round(s.seconds * 1000) / 1000);
  w.field("items_per_s", std::round(items_per_second(s) * 10) / 10);
  return w.field("retries", s.retries).field("exit_code", code).end_object().take();
}

}  // namespace

int run_export(const parsed_args& args, const bulk_env& env, std::ostream& out, std::ostream& err) {
  command scan = args.cmd;
  scan.kind = command_kind::scan;
  if (!scan.range.limit) scan.range.limit = export_page_items;
  const std::string& path = args.cmd.bulk.file;
  std::ofstream file;
  if (path != "-") {
    file.open(path, std::ios::binary | std::ios::trunc);
    if (!file) {
      err << "error: usage: cannot write '" << path << "'\n";
      return exit_usage;
    }
  }
  std::ostream& sink = path == "-" ? out : file;

  const bool json = args.global.json;
  transfer_display display(json ? transfer_display::mode::json
                                : env.terminal ? transfer_display::mode::terminal : transfer_display::mode::lines,
                           env.width);
  double every_s = args.cmd.bulk.progress_every.value_or(json ? 1.0 : env.terminal ? 0.2 : 5.0);
  auto every = std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(every_s));
  const auto start = clock_type::now();
  auto next_tick = start + every;
  transfer_snapshot snap;
  snap.label = "export " + args.cmd.table;
  auto sample = [&](bool finished) {
    snap.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    snap.finished = finished;
    return snap;
  };

  retry_policy policy;
  policy.retries = args.cmd.bulk.retries;
  fetch_fn fetch = retrying(env.make_fetch(), policy, env.sleep, &snap.retries);
  auto on_page = [&](const http_reply&, const json_value& page) {
    for (const json_value* item : page_items(page)) {
      std::string line = item->to_json();
      sink << line << '\n';
      ++snap.items;
      snap.bytes += line.size() + 1;
    }
    sink.flush();
    if (clock_type::now() >= next_tick) {
      err << display.update(sample(false)) << std::flush;
      next_tick = clock_type::now() + every;
    }
  };
  auto paged = follow_pages(build_request(scan), true, fetch, on_page);
  int code = exit_ok;
  if (env.terminal && !json) err << display.update(sample(true));  // the final count stays on screen
  err << display.finish();
  if (!paged) code = report_failure(paged.error(), err);
  else if (!is_success(paged->last.status)) code = report_reply(paged->last.status, paged->last.body, err);
  else if (!sink) {
    err << "error: usage: writing '" << path << "' failed\n";
    code = exit_usage;
  }
  sample(true);
  if (json) {
    err << summary_json(args, snap, code) << "\n";
  } else if (code == exit_ok) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", snap.seconds);
    err << "exported " << snap.items << " items from " << args.cmd.table << " in " << secs << "s ("
        << std::llround(items_per_second(snap)) << " items/s)\n";
  }
  return code;
}

}  // namespace ropekv::ctl
