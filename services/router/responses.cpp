#include "responses.hpp"

#include <map>

#include "index_responses.hpp"
#include "item_json.hpp"
#include "ropekv/feed/write_token.hpp"
#include "ropekv/index/index_spec_json.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace ropekv::router {

net::http_error error_of(const pb::Status& status) {
  auto code = static_cast<errc>(status.error_code());
  std::string message = status.message().empty() ? std::string(to_string(code)) : status.message();
  return net::http_error::from(code, std::move(message));
}

net::http_error error_of(const pb::MutationResult& result) {
  pb::Status s;
  s.set_error_code(result.error_code());
  s.set_message(result.error_message());
  return error_of(s);
}

pb::TableSchema schema_of(const std::string& name, const net::table_spec& spec) {
  pb::TableSchema s;
  s.set_name(name);
  s.set_hash_key(spec.hash_key);
  if (spec.range_key) s.set_range_key(*spec.range_key);
  if (spec.local_index) s.set_local_index(*spec.local_index);
  s.set_replication(spec.replication);
  if (spec.default_ttl) s.set_default_ttl_s(*spec.default_ttl);
  if (spec.segments) s.set_initial_segments(*spec.segments);
  return s;
}

void write_table(net::json_writer& w, const pb::TableSchema& t) {
  w.begin_object();
  write_table_fields(w, t);
  w.end_object();
}

void write_table_fields(net::json_writer& w, const pb::TableSchema& t) {
  w.field("name", t.name()).field("id", static_cast<uint64_t>(t.id()));
  w.field("hash_key", t.hash_key());
  if (!t.range_key().empty()) w.field("range_key", t.range_key());
  if (!t.local_index().empty()) w.field("local_index", t.local_index());
  w.field("replication", static_cast<uint64_t>(t.replication()));
  if (t.default_ttl_s() > 0) w.field("default_ttl", static_cast<uint64_t>(t.default_ttl_s()));
  if (t.initial_segments() > 0) w.field("segments", static_cast<uint64_t>(t.initial_segments()));
}

namespace {

// `reply`: placement's answer about the table, for its replication view.
void write_table_with_indexes(net::json_writer& w, const pb::TableSchema& t, const routing_snapshot& snap,
                              const pb::TableReply* reply = nullptr) {
  w.begin_object();
  write_table_fields(w, t);
  if (reply) {
    w.field("under_replicated", reply->replicas_short() > 0);
    w.field("replicas_short", static_cast<uint64_t>(reply->replicas_short()));
    w.field("segments_under_replicated", static_cast<uint64_t>(reply->segments_under_replicated()));
  }
  w.key("indexes").begin_array();
  for (const auto* ix : snap.indexes_of(t.id())) {
    w.begin_object().field("name", ix->spec().name()).field("attribute", ix->spec().attribute());
    w.field("type", index::type_name(ix->spec().type()));
    const auto* rep = representative(*ix);
    w.field("state", !rep ? "unassigned" : rep->phase() == pb::INDEX_ACTIVE ? "active" : "backfilling");
    w.end_object();
  }
  w.end_array().end_object();
}

}  // namespace

std::string table_body(const pb::TableSchema& t, const routing_snapshot& snap) {
  net::json_writer w;
  write_table_with_indexes(w, t, snap);
  return w.take();
}

std::string table_body(const pb::TableReply& reply, const routing_snapshot& snap) {
  net::json_writer w;
  write_table_with_indexes(w, reply.schema(), snap, &reply);
  return w.take();
}

void write_node_load(net::json_writer& w, const pb::NodeLoad& l) {
  w.begin_object().field("id", static_cast<uint64_t>(l.node_id()));
  w.field("alive", l.alive()).field("draining", l.draining());
  w.field("replicas", static_cast<uint64_t>(l.replicas())).field("leaders", static_cast<uint64_t>(l.leaders()));
  w.field("bytes", static_cast<uint64_t>(l.bytes()));
  w.field("fair_replicas", l.fair_replicas()).field("fair_bytes", l.fair_bytes());
  w.field("within_band", l.within_band());
  w.field("moves_in_flight", static_cast<uint64_t>(l.moves_in_flight()));
  w.end_object();
}

std::string tables_body(const pb::TablesReply& reply, const routing_snapshot& snap) {
  net::json_writer w;
  w.begin_object().key("tables").begin_array();
  for (const auto& t : reply.tables()) write_table_with_indexes(w, t, snap);
  w.end_array().end_object();
  return w.take();
}

void write_hook(net::json_writer& w, const pb::Hook& h) {
  static constexpr const char* all_events[] = {"create", "update", "delete", "expired", "rollback"};
  const auto& spec = h.spec();
  const auto& st = h.state();
  w.begin_object();
  w.field("name", spec.name()).field("url", spec.url()).field("table", spec.table());
  w.key("events").begin_array();
  if (spec.events_size() == 0) {
    for (const char* e : all_events) w.value(e);
  } else {
    for (const auto& e : spec.events()) w.value(e);
  }
  w.end_array();
  w.field("prefix", spec.prefix());  // came in as a JSON string: valid UTF-8
  w.field("created_ms", static_cast<int64_t>(h.created_ms()));
  // Placement accepts no hook without a secret and never hands it back.
  w.field("secret_set", true);
  w.key("state").begin_object();
  w.field("notifier", static_cast<uint64_t>(st.notifier_id()));
  w.field("delivered", static_cast<uint64_t>(st.delivered()));
  w.field("pending", static_cast<uint64_t>(st.pending()));
  w.field("last_status", static_cast<uint64_t>(st.last_status()));
  w.field("last_error", st.last_error());
  w.field("last_attempt_ms", static_cast<int64_t>(st.last_attempt_ms()));
  w.field("last_success_ms", static_cast<int64_t>(st.last_success_ms()));
  w.field("attempts", static_cast<uint64_t>(st.attempts()));
  w.field("failing", st.failing());
  w.field("next_attempt_ms", static_cast<int64_t>(st.next_attempt_ms()));
  w.end_object();
  w.end_object();
}

std::string hook_body(const pb::Hook& h) {
  net::json_writer w;
  write_hook(w, h);
  return w.take();
}

std::string hooks_body(const pb::HooksReply& reply) {
  net::json_writer w;
  w.begin_object().key("hooks").begin_array();
  for (const auto& h : reply.hooks()) write_hook(w, h);
  w.end_array().end_object();
  return w.take();
}

std::string hook_deleted_body(const pb::Hook& h) {
  net::json_writer w;
  w.begin_object().field("deleted", true).key("hook");
  write_hook(w, h);
  w.end_object();
  return w.take();
}

std::string put_body(const pb::MutationResult& result, uint32_t table, std::string_view key) {
  net::json_writer w;
  w.begin_object().field("version", static_cast<uint64_t>(result.version()));
  w.field("created", !result.had_previous());
  w.field("token", feed::encode_write_token(table, key, result.position())).end_object();
  return w.take();
}

std::string delete_body(const pb::MutationResult& result, uint32_t table, std::string_view key) {
  net::json_writer w;
  w.begin_object().field("version", static_cast<uint64_t>(result.version()));
  w.field("token", feed::encode_write_token(table, key, result.position())).end_object();
  return w.take();
}

std::string page_body(const std::vector<pb::Item>& items, const std::optional<std::string>& cursor,
                      bool table_has_range_key) {
  net::json_writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& item : items) write_item(w, item, table_has_range_key);
  w.end_array();
  if (cursor) w.field("cursor", *cursor);
  w.end_object();
  return w.take();
}

namespace {

void write_ids(net::json_writer& w, std::string_view name, const std::vector<uint64_t>& ids) {
  w.key(name).begin_array();
  for (uint64_t id : ids) w.value(id);
  w.end_array();
}

}  // namespace

std::string partition_body(const std::string& table, uint16_t partition, const partition_totals& t) {
  net::json_writer w;
  w.begin_object().field("table", table).field("partition", static_cast<unsigned>(partition));
  w.field("items", t.items).field("bytes", t.bytes).field("head_version", t.head_version);
  write_ids(w, "segments", t.segments);
  w.end_object();
  return w.take();
}

std::string rollback_body(const std::string& table, uint16_t partition, uint64_t to_version,
                          const std::vector<uint64_t>& segments) {
  net::json_writer w;
  w.begin_object().field("table", table).field("partition", static_cast<unsigned>(partition));
  w.field("to_version", to_version);
  write_ids(w, "segments", segments);
  w.end_object();
  return w.take();
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto b = static_cast<uint8_t>(c);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

namespace {

void write_segment(net::json_writer& w, const pb::SegmentDescriptor& s, const routing_snapshot& snap) {
  w.begin_object().field("id", static_cast<uint64_t>(s.id()));
  if (!s.replicas().empty() && s.start_key().size() >= 4) {
    uint32_t table = 0;
    for (int i = 0; i < 4; ++i) table = table << 8 | static_cast<uint8_t>(s.start_key()[i]);
    if (const auto* t = snap.table(table)) w.field("table", t->name());
  }
  w.field("start_key", hex(s.start_key())).field("end_key", hex(s.end_key()));
  w.field("epoch", static_cast<uint64_t>(s.epoch()));
  w.key("replicas").begin_array();
  for (uint64_t n : s.replicas()) w.value(n);
  w.end_array();
  w.field("leader_hint", static_cast<uint64_t>(s.leader_hint()));
  const auto& st = s.stats();
  w.key("stats").begin_object();
  w.field("bytes", static_cast<uint64_t>(st.bytes())).field("items", static_cast<uint64_t>(st.items()));
  w.field("reads_per_s", st.reads_per_s()).field("writes_per_s", st.writes_per_s());
  w.end_object().end_object();
}

}  // namespace

std::string split_body(const pb::SplitSegmentReply& reply, const routing_snapshot& snap) {
  net::json_writer w;
  w.begin_object().key("left");
  write_segment(w, reply.left(), snap);
  w.key("right");
  write_segment(w, reply.right(), snap);
  w.end_object();
  return w.take();
}

std::string cluster_body(const pb::ClusterReply& reply, const routing_snapshot& snap) {
  net::json_writer w;
  w.begin_object().field("rope_version", static_cast<uint64_t>(reply.rope_version()));
  w.field("router_rope_version", snap.version());
  w.key("nodes").begin_array();
  for (const auto& n : reply.nodes()) {
    bool alive = false;
    for (uint64_t a : reply.alive_nodes()) alive = alive || a == n.id();
    w.begin_object().field("id", static_cast<uint64_t>(n.id())).field("address", n.address());
    w.key("labels").begin_object();
    w.field("dc", n.labels().dc()).field("rack", n.labels().rack());
    w.field("host", n.labels().host()).field("numa", n.labels().numa());
    w.end_object();
    w.field("capacity_bytes", static_cast<uint64_t>(n.capacity_bytes())).field("alive", alive);
    w.field("draining", n.draining());
    w.end_object();
  }
  w.end_array().key("segments").begin_array();
  for (const auto& s : reply.segments()) write_segment(w, s, snap);
  w.end_array();
  w.field("moves_in_flight", static_cast<uint64_t>(reply.moves_in_flight()));
  w.key("moves").begin_array();
  for (const auto& m : reply.moves()) {
    w.begin_object().field("segment", static_cast<uint64_t>(m.segment_id()));
    w.field("from_node", static_cast<uint64_t>(m.from_node()));
    w.field("to_node", static_cast<uint64_t>(m.to_node()));
    w.field("target_epoch", static_cast<uint64_t>(m.target_epoch())).field("reason", m.reason());
    w.field("kind", m.kind()).field("state", m.state()).field("age_ms", static_cast<uint64_t>(m.age_ms()));
    w.field("bytes_copied", static_cast<uint64_t>(m.bytes_copied()));
    w.field("bytes_total", static_cast<uint64_t>(m.bytes_total())).field("progress", m.progress());
    w.end_object();
  }
  w.end_array().key("unhealthy").begin_array();
  for (const auto& h : reply.unhealthy()) {
    w.begin_object().field("segment", static_cast<uint64_t>(h.segment_id()));
    w.field("replication", static_cast<uint64_t>(h.replication()));
    w.field("usable_replicas", static_cast<uint64_t>(h.usable_replicas()));
    w.field("domains", static_cast<uint64_t>(h.domains()));
    w.field("under_protected", h.under_protected()).field("quorum_lost", h.quorum_lost());
    w.field("under_replicated", h.under_replicated());
    w.field("replicas_short", static_cast<uint64_t>(h.replicas_short()));
    w.end_object();
  }
  w.end_array();
  w.key("node_loads").begin_array();
  for (const auto& l : reply.node_loads()) write_node_load(w, l);
  w.end_array();
  w.key("balance").begin_object();
  w.field("band", reply.balance_band()).field("balanced", reply.balanced());
  w.end_object();
  // Sorted by name (a proto map has no order) so the body is stable.
  std::map<std::string, uint64_t> decisions(reply.decisions().begin(), reply.decisions().end());
  w.key("decisions").begin_object();
  for (const auto& [name, n] : decisions) w.field(name, n);
  w.end_object().end_object();
  return w.take();
}

}  // namespace ropekv::router
