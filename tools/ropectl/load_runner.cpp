#include "load_runner.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <ostream>
#include <thread>

#include "batch_sender.hpp"
#include "load_records.hpp"
#include "request_builder.hpp"
#include "ropekv/net/json_writer.hpp"
#include "ropekv/net/percent_decode.hpp"
#include "runner_output.hpp"
#include "transfer_progress.hpp"

namespace ropekv::ctl {
namespace {

using clock_type = std::chrono::steady_clock;
constexpr size_t max_failure_lines = 20;  // human mode; --json prints every one

std::string failure_json(const item_failure& f) {
  net::json_writer w;
  w.begin_object().field("event", "failure").field("line", f.line).field("status", f.status);
  return w.field("code", f.code).field("message", f.message).end_object().take();
}

std::string failure_line(const item_failure& f) {
  return "error: line " + std::to_string(f.line) + ": " + (f.code.empty() ? "failed" : f.code) +
         (f.message.empty() ? "" : ": " + f.message);
}

/// The counters and queues the reader, the workers and the ticker share.
/// Guarded by mutex_ except the atomics (read by the ticker without it).
class load_state {
 public:
  explicit load_state(size_t queue_limit) : queue_limit_(queue_limit) {}

  /// Reader: blocks while the queue is full; false once the load stopped.
  bool push(load_batch b) {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [&] { return queue_.size() < queue_limit_ || stopped_; });
    if (stopped_) return false;
    queue_.push_back(std::move(b));
    work_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    work_.notify_all();
  }
  /// Worker: the next batch, or nullopt when closed and drained or stopped.
  std::optional<load_batch> pop() {
    std::unique_lock lock(mutex_);
    work_.wait(lock, [&] { return !queue_.empty() || closed_ || stopped_; });
    if (stopped_ || queue_.empty()) return std::nullopt;
    auto b = std::move(queue_.front());
    queue_.pop_front();
    space_.notify_one();
    return b;
  }
  void record(const batch_outcome& o, uint64_t input_bytes) {
    std::lock_guard lock(mutex_);
    written += o.written;
    failed += o.failures.size();
    bytes += input_bytes;
    retries += o.retries;
    failures_.insert(failures_.end(), o.failures.begin(), o.failures.end());
    if (o.fatal_exit && !fatal_exit_) {
      fatal_exit_ = o.fatal_exit;
      fatal_message_ = o.fatal_message;
      stopped_ = true;
      space_.notify_all();
      work_.notify_all();
    }
  }
  void record_bad(const bad_record& b, uint64_t input_bytes) {
    std::lock_guard lock(mutex_);
    ++failed;
    bytes += input_bytes;
    std::string message = b.message.substr(b.message.find(": ") + 2);
    failures_.push_back({b.line, 0, "bad_input", message});
  }
  void add_bytes(uint64_t input_bytes) { bytes += input_bytes; }
  std::vector<item_failure> take_failures() {
    std::lock_guard lock(mutex_);
    return std::exchange(failures_, {});
  }
  std::optional<int> fatal_exit() {
    std::lock_guard lock(mutex_);
    return fatal_exit_;
  }
  std::string fatal_message() {
    std::lock_guard lock(mutex_);
    return fatal_message_;
  }

  std::atomic<uint64_t> written{0}, failed{0}, bytes{0}, retries{0};

 private:
  std::mutex mutex_;
  std::condition_variable space_, work_;
  std::deque<load_batch> queue_;
  size_t queue_limit_;
  bool closed_ = false, stopped_ = false;
  std::vector<item_failure> failures_;
  std::optional<int> fatal_exit_;
  std::string fatal_message_;
};

/// Writes progress and failures: the only writer while the load runs.
class load_reporter {
 public:
  load_reporter(const parsed_args& args, const bulk_env& env, load_state& state, std::optional<uint64_t> total,
                std::ostream& out, std::ostream& err)
      : json_(args.global.json), state_(state), total_(total), out_(json_ ? out : err), err_(err),
        display_(json_ ? transfer_display::mode::json
                       : env.terminal ? transfer_display::mode::terminal : transfer_display::mode::lines,
                 env.width),
        terminal_(env.terminal && !json_), label_("load " + args.cmd.table), start_(clock_type::now()) {}

  transfer_snapshot snapshot(bool finished) const {
    transfer_snapshot s;
    s.label = label_;
    s.failed = state_.failed;
    s.items = state_.written + s.failed;
    s.bytes = state_.bytes;
    s.total_bytes = total_;
    s.retries = state_.retries;
    s.seconds = std::chrono::duration<double>(clock_type::now() - start_).count();
    s.finished = finished;
    return s;
  }

  void tick(bool finished = false) {
    auto failures = state_.take_failures();
    if (!failures.empty()) out_ << display_.interrupt();
    for (const auto& f : failures) {
      if (json_) out_ << failure_json(f) << "\n";
      else if (shown_++ < max_failure_lines) err_ << failure_line(f) << "\n";
      else if (shown_ == max_failure_lines + 1) err_ << "error: more items failed; the summary counts them\n";
    }
    // The last state stays on a terminal; elsewhere the summary says it.
    if (!finished || terminal_) out_ << display_.update(snapshot(finished));
    if (finished) out_ << display_.finish();
    out_.flush();
  }

 private:
  bool json_;
  load_state& state_;
  std::optional<uint64_t> total_;
  std::ostream& out_;  // progress: stdout with --json, else stderr
  std::ostream& err_;
  transfer_display display_;
  bool terminal_;
  std::string label_;
  clock_type::time_point start_;
  size_t shown_ = 0;
};

std::chrono::milliseconds progress_interval(const parsed_args& args, const bulk_env& env) {
  double s = args.cmd.bulk.progress_every.value_or(args.global.json ? 1.0 : env.terminal ? 0.2 : 5.0);
  return std::chrono::milliseconds(std::max<int64_t>(10, static_cast<int64_t>(s * 1000)));
}

std::string summary_json(const parsed_args& args, const transfer_snapshot& s, uint64_t written, int code) {
  net::json_writer w;
  w.begin_object().field("event", "summary").field("table", args.cmd.table).field("items", s.items);
  w.field("written", written).field("failed", s.failed).field("bytes", s.bytes);
  w.field("seconds", std::round(s.seconds * 1000) / 1000);
  w.field("items_per_s", std::round(items_per_second(s) * 10) / 10);
  w.field("retries", s.retries).field("exit_code", code);
  return w.end_object().take();
}

std::string summary_line(const parsed_args& args, const transfer_snapshot& s, uint64_t written) {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", s.seconds);
  std::string line = "loaded " + std::to_string(written) + " of " + std::to_string(s.items) + " items into " +
                     args.cmd.table + " in " + secs + "s (" + std::to_string(std::llround(items_per_second(s))) +
                     " items/s)";
  if (s.failed) line += ", " + std::to_string(s.failed) + " failed";
  return line;
}

}  // namespace

std::variant<table_keys, int> lookup_table(const std::string& table, const fetch_fn& fetch, const retry_policy& policy,
                                           const sleep_fn& sleep, std::ostream& err) {
  command get;
  get.kind = command_kind::tables_get;
  get.table = table;
  auto reply = send_with_retry(build_request(get), fetch, policy, sleep).reply;
  if (!reply) return report_failure(reply.error(), err);
  if (!is_success(reply->status)) return report_reply(reply->status, reply->body, err);
  auto doc = json_value::parse(reply->body);
  const json_value* hash = doc ? doc->find("hash_key") : nullptr;
  if (!hash || !hash->is_string())
    return report_failure(make_error(errc::internal, "the router's table has no hash_key"), err);
  table_keys keys{hash->text(), std::nullopt};
  if (const json_value* r = doc->find("range_key"); r && r->is_string() && !r->text().empty()) keys.range = r->text();
  return keys;
}

int run_load(const parsed_args& args, const bulk_env& env, std::istream& stdin_stream, std::ostream& out,
             std::ostream& err) {
  const command& cmd = args.cmd;
  const bulk_options& b = cmd.bulk;
  auto usage = [&](const std::string& message) {
    err << "error: usage: " << message << "\n";
    return exit_usage;
  };
  auto format = choose_format(b.format, b.file);
  if (!format) return usage(format.error().message);
  std::ifstream file;
  std::optional<uint64_t> total = env.stdin_size;
  if (b.file != "-") {
    file.open(b.file, std::ios::binary);
    if (!file) return usage("cannot read '" + b.file + "'");
    struct stat st{};
    total = ::stat(b.file.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? std::optional<uint64_t>(st.st_size)
                                                                     : std::nullopt;
  }
  std::istream& in = b.file == "-" ? stdin_stream : file;

  retry_policy policy;
  policy.retries = b.retries;
  auto looked_up = lookup_table(cmd.table, env.make_fetch(), policy, env.sleep, err);
  if (auto* code = std::get_if<int>(&looked_up)) return *code;
  const auto& table = std::get<table_keys>(looked_up);
  if (!table.range && b.range_key_column)
    return usage("table " + cmd.table + " has no range key; --range-key-column does not apply");
  key_columns keys{b.hash_key_column.value_or(table.hash), std::nullopt};
  if (table.range) keys.range = b.range_key_column.value_or(*table.range);
  auto reader = load_reader::open(*format, in, keys, b.csv_strings);
  if (!reader) return usage(reader.error().message);

  load_state state(std::max<size_t>(2, 2 * size_t{b.concurrency}));
  const std::string target = "/v1/tables/" + net::percent_encode(cmd.table) + "/batch";
  std::vector<std::thread> workers;
  for (uint32_t i = 0; i < std::max<uint32_t>(1, b.concurrency); ++i)
    workers.emplace_back([&, fetch = env.make_fetch()] {
      while (auto batch = state.pop()) state.record(send_batch(*batch, target, fetch, policy, env.sleep), batch->input_bytes);
    });
  load_reporter reporter(args, env, state, total, out, err);
  std::mutex tick_mutex;
  std::condition_variable tick_cv;
  bool done = false;
  std::thread ticker([&] {
    auto every = progress_interval(args, env);
    std::unique_lock lock(tick_mutex);
    while (!tick_cv.wait_for(lock, every, [&] { return done; })) reporter.tick();
  });

  batch_builder builder({b.batch_ops, b.batch_bytes}, new_request_prefix(), b.ttl);
  std::optional<std::string> stream_error;
  for (bool running = true; running;) {
    auto step = (*reader)->next();
    if (!step) {
      stream_error = step.error().message;
      break;
    }
    if (step->end()) {
      state.add_bytes(step->bytes);
      break;
    }
    if (auto* bad = std::get_if<bad_record>(&step->value)) {
      state.record_bad(*bad, step->bytes);
      continue;
    }
    if (auto full = builder.add(std::get<load_item>(step->value), step->bytes)) running = state.push(std::move(*full));
  }
  if (auto last = builder.flush(); last && !stream_error) state.push(std::move(*last));
  state.close();
  for (auto& w : workers) w.join();
  {
    std::lock_guard lock(tick_mutex);
    done = true;
  }
  tick_cv.notify_all();
  ticker.join();
  reporter.tick(true);

  auto snap = reporter.snapshot(true);
  int code = snap.failed ? exit_partial : exit_ok;
  if (auto fatal = state.fatal_exit()) {
    err << state.fatal_message() << "\n";
    code = *fatal;
  }
  if (stream_error) {
    err << "error: usage: " << *stream_error << " (the load stopped there)\n";
    code = exit_usage;
  }
  if (args.global.json) out << summary_json(args, snap, state.written, code) << "\n";
  else out << summary_line(args, snap, state.written) << "\n";
  return code;
}

}  // namespace ropekv::ctl
