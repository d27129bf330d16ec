// Fuzz target: client WebSocket text frames of the notifier
// (libs/notify frame_protocol.cpp), and what the notifier's gateway sends
// back for them (server_frames.cpp: the error frame for a rejected frame,
// the reply frames that splice the client's id and data back in).
//
// Beast reads and unmasks the frames; everything after that is ours, so
// the input is the text payload of one frame.
// Invariants: no exception escapes; the parser returns a request or a typed
// error (never a server-only code); every frame the server would answer
// with is one valid UTF-8 JSON object with "op" first, even though ids and
// data are spliced in as raw text; ids are at most 128 bytes, channels
// 1..256 bytes, event kinds never empty, prefix and hash_key exclusive; a
// resume token either parses or is a typed bad_token.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz_check.hpp"
#include "ropekv/feed/feed_position.hpp"
#include "ropekv/net/json_body.hpp"
#include "ropekv/notify/frame_protocol.hpp"
#include "ropekv/notify/server_frames.hpp"

namespace {

using namespace ropekv;
using notify::frame_errc;

// Sent frames are objects of any depth the parser let through (64) plus one.
constexpr size_t frame_depth = notify::max_json_depth + 2;

void check_frame(const std::string& frame) {
  auto ok = net::normalize_json_object(frame, frame_depth);
  ROPEKV_FUZZ_CHECK(ok.ok(), "server frame is not one valid JSON object");
  ROPEKV_FUZZ_CHECK(frame.rfind("{\"op\":\"", 0) == 0, "server frame does not start with op");
}

void check_id(const std::string& id) {
  // The id is kept as compact JSON text: at most 128 bytes of string, each
  // escaped to at most 6 characters (\u001f), plus the quotes.
  ROPEKV_FUZZ_CHECK(!id.empty() && id.size() <= notify::max_request_id_bytes * 6 + 2,
                    "request id size");
}

void check_channel(const std::string& channel) {
  ROPEKV_FUZZ_CHECK(!channel.empty() && channel.size() <= notify::max_channel_bytes,
                    "channel size");
}

struct request_checker {
  void operator()(const notify::subscribe_request& r) {
    check_id(r.id);
    ROPEKV_FUZZ_CHECK(!r.table.empty(), "empty table accepted");
    ROPEKV_FUZZ_CHECK(!(r.prefix && r.hash_key), "prefix and hash_key together");
    ROPEKV_FUZZ_CHECK(!r.kinds.empty(), "empty event kinds accepted");
    if (r.from_token) {
      ROPEKV_FUZZ_CHECK(!r.from_token->empty(), "empty from accepted");
      auto p = feed::feed_position::parse(*r.from_token);
      ROPEKV_FUZZ_CHECK(p.ok() || p.error().code == errc::invalid_argument,
                        "resume token error is not invalid_argument");
    }
    check_frame(notify::write_subscribed(r.id, "dG9rZW4"));
    check_frame(notify::write_error(frame_errc::duplicate_id, "id in use", r.id));
  }
  void operator()(const notify::unsubscribe_request& r) {
    check_id(r.id);
    check_frame(notify::write_unsubscribed(r.id));
  }
  void operator()(const notify::join_request& r) {
    check_channel(r.channel);
    check_frame(notify::write_joined(r.channel));
  }
  void operator()(const notify::leave_request& r) {
    check_channel(r.channel);
    check_frame(notify::write_left(r.channel));
  }
  void operator()(const notify::publish_request& r) {
    check_channel(r.channel);
    check_frame(notify::write_message(r.channel, "1:2", r.data));
  }
  void operator()(const notify::members_request& r) {
    check_channel(r.channel);
    const std::string members[] = {"1:2", "1:3"};
    check_frame(notify::write_members(r.channel, members));
  }
  void operator()(const notify::ping_request&) { check_frame(notify::write_pong()); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = notify::parse_client_frame(fuzz::as_text(data, size));
  if (auto* err = std::get_if<notify::frame_error>(&parsed)) {
    ROPEKV_FUZZ_CHECK(err->code == frame_errc::malformed || err->code == frame_errc::unknown_op ||
                          err->code == frame_errc::bad_request,
                      "parser produced a server-only error code");
    if (err->id) check_id(*err->id);
    check_frame(notify::write_error(*err));
    return 0;
  }
  std::visit(request_checker{}, std::get<notify::client_request>(parsed));
  return 0;
}
