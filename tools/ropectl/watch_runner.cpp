#include "watch_runner.hpp"

#include <algorithm>
#include <cmath>
#include <ostream>
#include <sstream>

#include "output_formatter.hpp"
#include "runner_output.hpp"
#include "watch_frames.hpp"
#include "ws_client.hpp"

namespace ropekv::ctl {
namespace {

/// Capped at a year so that now() + timeout cannot overflow the clock.
std::chrono::milliseconds to_duration(double seconds) {
  seconds = std::min(seconds, 365.0 * 24 * 3600);
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
}

std::string seconds_text(double seconds) {
  std::ostringstream s;
  s << seconds;
  return s.str();
}

int report_transport(const error& e, std::ostream& err) {
  err << "error: " << (e.code == errc::timeout ? "timeout" : "unreachable") << ": " << e.message << "\n";
  return exit_unavailable;
}

/// The state of one watch: the token to resume from and what was printed.
class watch_session {
 public:
  watch_session(const parsed_args& args, frame_stream& stream, std::ostream& out, std::ostream& err)
      : args_(args), w_(args.cmd.watch), stream_(stream), out_(out), err_(err),
        token_(w_.from.value_or("")) {
    if (w_.idle_timeout_seconds) idle_ = to_duration(*w_.idle_timeout_seconds);
  }

  int run() {
    if (auto sent = stream_.send(subscribe_frame(args_.cmd)); !sent)
      return finish(report_transport(sent.error(), err_));
    std::optional<watch_clock::time_point> deadline;
    if (idle_) deadline = watch_clock::now() + *idle_;
    for (;;) {
      auto got = stream_.receive(deadline);
      if (!got) {
        if (got.error().code == errc::timeout && idle_) {
          err_ << "error: timeout: no event within " << seconds_text(*w_.idle_timeout_seconds) << " s\n";
          return finish(exit_unavailable);
        }
        if (got.error().code == errc::timeout) return finish(report_transport(got.error(), err_));
        err_ << "error: unavailable: " << got.error().message << "\n";
        return finish(exit_unavailable);
      }
      if (got->interrupted) return finish(exit_ok);
      auto frame = parse_server_frame(got->text);
      if (!frame) {
        err_ << "error: internal: the notifier sent a frame that is not a JSON object: "
             << frame.error().message << "\n";
        return finish(exit_internal);
      }
      if (frame->token && frame->op != frame_op::other) token_ = *frame->token;
      switch (frame->op) {
        case frame_op::error:
          err_ << format_frame_error(*frame) << "\n";
          return finish(exit_code_for(0, frame->error_code));
        case frame_op::event:
          print_event(got->text, *frame);
          if (w_.count && ++printed_ >= *w_.count) return finish(exit_ok);
          if (idle_) deadline = watch_clock::now() + *idle_;
          break;
        case frame_op::subscribed:
        case frame_op::other:  // pong, or an op this version does not know
          break;
      }
    }
  }

 private:
  void print_event(const std::string& text, const server_frame& frame) {
    if (args_.global.json) {
      // As received; compacted only if it spans lines, to keep one per line.
      bool one_line = text.find_first_of("\r\n") == std::string::npos;
      auto compact = one_line ? result<std::string>(text) : compact_json(text);
      out_ << (compact ? *compact : text) << "\n";
    } else {
      out_ << format_event(frame.body);
    }
    out_.flush();  // a pipe (jq, grep) sees each event as it comes
  }

  int finish(int code) {
    stream_.close();
    if (!token_.empty()) err_ << "resume token: " << token_ << "\n";
    return code;
  }

  const parsed_args& args_;
  const watch_options& w_;
  frame_stream& stream_;
  std::ostream& out_;
  std::ostream& err_;
  std::string token_;
  std::optional<std::chrono::milliseconds> idle_;
  uint64_t printed_ = 0;
};

}  // namespace

int run_watch(const parsed_args& args, frame_stream& stream, std::ostream& out, std::ostream& err) {
  return watch_session(args, stream, out, err).run();
}

int run_watch(const parsed_args& args, std::ostream& out, std::ostream& err) {
  const watch_options& w = args.cmd.watch;
  auto endpoint = parse_notifier_url(w.notifier_url);
  if (endpoint) endpoint->token = args.global.token;
  if (!endpoint) {
    err << "error: usage: " << endpoint.error().message << "\n";
    return exit_usage;
  }
  auto resume_hint = [&] {
    if (w.from) err << "resume token: " << *w.from << "\n";
  };
  ws_client client(std::move(endpoint).value(), to_duration(args.global.timeout_seconds), true);
  auto connected = client.connect();
  if (!connected) {
    int code = client.interrupted() ? exit_ok : report_transport(connected.error(), err);
    resume_hint();
    return code;
  }
  if (*connected) {  // the notifier answered, but not with a WebSocket
    int code = report_reply((*connected)->status, (*connected)->body, err);
    resume_hint();
    return code;
  }
  return run_watch(args, client, out, err);
}

}  // namespace ropekv::ctl
