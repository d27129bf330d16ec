// Fuzz target: protobuf messages as they arrive from another process —
// CAF's binary deserializer reading the project's inspect() for protobuf
// types (libs/proto caf_inspect.hpp: a length-prefixed byte string, then
// ParseFromString) — and the decoders the services run on fields of those
// messages: feed tokens (feed_position::from_token), rope keys
// (keys::decode) and the notifier's rendering of a change event into an
// event frame (services/notifier event_frame.cpp).
//
// Input: byte 0 picks the message type; the rest is the CAF wire bytes.
// Invariants: no exception escapes and decoding fails with an error rather
// than a crash; a decoded message serializes through CAF and decodes again
// to the same protobuf bytes; field decoders return typed errors; an event
// frame rendered from any decoded ChangeEvent is a valid JSON object.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "event_frame.hpp"
#include "fuzz_check.hpp"
#include "ropekv/feed/feed_position.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/net/json_body.hpp"
#include "ropekv/proto/caf_inspect.hpp"
#include "ropekv/proto/service.pb.h"

namespace {

using namespace ropekv;

void check_key(const std::string& bytes) {
  auto k = keys::decode(bytes);
  ROPEKV_FUZZ_CHECK(k.ok() ? keys::encode(*k) == bytes : k.error().code == errc::corrupt,
                    "key decode: not canonical or untyped error");
}

void check_token(const pb::FeedToken& t) {
  auto p = feed::feed_position::from_token(t);
  if (!p) {
    ROPEKV_FUZZ_CHECK(p.error().code == errc::invalid_argument, "feed token error untyped");
    return;
  }
  auto again = feed::feed_position::parse(p->encode());
  ROPEKV_FUZZ_CHECK(again.ok() && *again == *p, "feed token round trip");
}

void check_event(pb::ChangeEvent e) {
  // Item values are spliced into frames verbatim: the router stored them
  // normalized (json_body.hpp), which is the precondition kept here.
  auto value = net::normalize_json_object(e.item().value());
  e.mutable_item()->set_value(value ? value->json : std::string());
  for (bool has_range_key : {false, true}) {
    std::string frame = notifier::event_frame("7", notifier::event_body(e, "fuzz", has_range_key, "dG9r"));
    auto ok = net::normalize_json_object(frame, 64);
    ROPEKV_FUZZ_CHECK(ok.ok(), "event frame is not a valid JSON object");
  }
}

// What the receiving service does with the fields it decodes further.
void check_fields(const pb::ChangeEvent& e) { check_event(e); }
void check_fields(const pb::ChangesReply& r) {
  for (const auto& e : r.events()) check_event(e);
}
void check_fields(const pb::SplitSegmentRequest& r) { check_key(r.at_key()); }
void check_fields(const pb::FeedSubscription& s) {
  if (!s.from().empty()) {
    auto p = feed::feed_position::parse(s.from());
    ROPEKV_FUZZ_CHECK(p.ok() || p.error().code == errc::invalid_argument, "resume token error untyped");
  }
}
void check_fields(const pb::FeedToken& t) { check_token(t); }
template <class T>
void check_fields(const T&) {}

template <class T>
void decode(const std::vector<char>& wire) {
  T msg;
  caf::binary_deserializer source{nullptr, wire};
  if (auto err = source(msg)) return;  // refused: what a peer's bad bytes must give
  check_fields(msg);

  std::vector<char> again;
  caf::binary_serializer sink{nullptr, again};
  ROPEKV_FUZZ_CHECK(!sink(msg), "decoded message does not serialize");
  T back;
  caf::binary_deserializer source2{nullptr, again};
  ROPEKV_FUZZ_CHECK(!source2(back), "re-serialized message does not decode");
  ROPEKV_FUZZ_CHECK(back.SerializeAsString() == msg.SerializeAsString(), "message round trip differs");
}

using decoder = void (*)(const std::vector<char>&);

// The messages services accept from the network (libs/net type_ids.hpp),
// requests first.
constexpr decoder decoders[] = {
    decode<pb::GetRequest>,          decode<pb::WriteRequest>,       decode<pb::RangeRequest>,
    decode<pb::ScanRequest>,         decode<pb::PartitionRequest>,   decode<pb::RaftEnvelope>,
    decode<pb::RegisterNode>,        decode<pb::Heartbeat>,          decode<pb::SegmentAssignment>,
    decode<pb::CreateTableRequest>,  decode<pb::RopeUpdate>,         decode<pb::MembershipRequest>,
    decode<pb::SplitRequest>,        decode<pb::ChangesRequest>,     decode<pb::ChangesReply>,
    decode<pb::ChangeEvent>,         decode<pb::Mutation>,           decode<pb::RegisterNotifier>,
    decode<pb::NotifierHeartbeat>,   decode<pb::PutHookRequest>,     decode<pb::ChannelMessage>,
    decode<pb::PresenceRequest>,     decode<pb::FeedSubscription>,   decode<pb::SplitSegmentRequest>,
    decode<pb::LocksRequest>,        decode<pb::RegisterIndexer>,    decode<pb::IndexerHeartbeat>,
    decode<pb::PutIndexRequest>,     decode<pb::IndexQueryRequest>,  decode<pb::IndexReport>,
    decode<pb::DrainNodeRequest>,    decode<pb::SegmentDrop>,        decode<pb::FeedToken>,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<char> wire(reinterpret_cast<const char*>(data) + 1,
                         reinterpret_cast<const char*>(data) + size);
  decoders[data[0] % std::size(decoders)](wire);
  return 0;
}
