// format_cluster (declared in output_formatter.hpp): GET /v1/cluster as a
// summary line and one table each for nodes, segments, moves in flight and
// unhealthy segments (the last two only when there are any).
// Kept apart from output_formatter.cpp because the cluster view is the one
// response with several nested lists.
#include "output_formatter.hpp"

namespace ropekv::ctl {
namespace {

std::string text_of(const json_value* v) {
  if (!v || v->is_null()) return "-";
  std::string s = v->to_display();
  return s.empty() ? "-" : s;
}

std::string text_of(const json_value& object, std::string_view key) { return text_of(object.find(key)); }

// Segment bounds are rope keys, sent as hex; an empty end is +infinity.
std::string bound_of(const json_value& segment, std::string_view key, const char* empty) {
  const json_value* v = segment.find(key);
  if (!v || v->to_display().empty()) return empty;
  return display_key(v->to_display());
}

std::string list_of(const json_value* v) {
  if (!v || !v->is_array()) return text_of(v);
  std::string out;
  for (const auto& e : v->elements()) out += (out.empty() ? "" : ",") + e.to_display();
  return out.empty() ? "-" : out;
}

std::string yes_no(const json_value* v) {
  if (!v || v->type() != json_value::kind::boolean) return "-";
  return v->as_bool() ? "yes" : "no";
}

std::string nodes_table(const json_value& body) {
  const json_value* nodes = body.find("nodes");
  if (!nodes || !nodes->is_array() || nodes->elements().empty()) return "nodes: none\n";
  std::vector<std::vector<std::string>> rows = {
      {"NODE", "ADDRESS", "DC", "RACK", "HOST", "NUMA", "ALIVE"}};
  for (const auto& n : nodes->elements()) {
    const json_value* labels = n.find("labels");
    json_value none;
    const json_value& l = labels && labels->is_object() ? *labels : none;
    rows.push_back({text_of(n, "id"), text_of(n, "address"), text_of(l, "dc"), text_of(l, "rack"),
                    text_of(l, "host"), text_of(l, "numa"), yes_no(n.find("alive"))});
  }
  return format_columns(rows);
}

std::string segments_table(const json_value& body) {
  const json_value* segments = body.find("segments");
  if (!segments || !segments->is_array() || segments->elements().empty()) return "segments: none\n";
  std::vector<std::vector<std::string>> rows = {
      {"SEGMENT", "TABLE", "EPOCH", "REPLICAS", "LEADER", "ITEMS", "BYTES", "START", "END"}};
  for (const auto& s : segments->elements()) {
    const json_value* stats = s.find("stats");
    json_value none;
    const json_value& st = stats && stats->is_object() ? *stats : none;
    rows.push_back({text_of(s, "id"), text_of(s, "table"), text_of(s, "epoch"),
                    list_of(s.find("replicas")), text_of(s, "leader_hint"), text_of(st, "items"),
                    text_of(st, "bytes"), bound_of(s, "start_key", "-inf"), bound_of(s, "end_key", "+inf")});
  }
  return format_columns(rows);
}

std::string moves_table(const json_value& body) {
  const json_value* moves = body.find("moves");
  if (!moves || !moves->is_array() || moves->elements().empty()) return {};
  std::vector<std::vector<std::string>> rows = {{"MOVING", "FROM", "TO", "TARGET_EPOCH", "REASON"}};
  for (const auto& m : moves->elements())
    rows.push_back({text_of(m, "segment"), text_of(m, "from_node"), text_of(m, "to_node"),
                    text_of(m, "target_epoch"), text_of(m, "reason")});
  return format_columns(rows);
}

std::string unhealthy_table(const json_value& body) {
  const json_value* list = body.find("unhealthy");
  if (!list || !list->is_array() || list->elements().empty()) return {};
  std::vector<std::vector<std::string>> rows = {
      {"UNHEALTHY", "REPLICATION", "USABLE", "DOMAINS", "UNDER_PROTECTED", "QUORUM_LOST"}};
  for (const auto& u : list->elements())
    rows.push_back({text_of(u, "segment"), text_of(u, "replication"), text_of(u, "usable_replicas"),
                    text_of(u, "domains"), yes_no(u.find("under_protected")),
                    yes_no(u.find("quorum_lost"))});
  return format_columns(rows);
}

}  // namespace

std::string format_cluster(const json_value& body) {
  std::string out = "rope version " + text_of(body, "rope_version");
  if (const json_value* r = body.find("router_rope_version")) out += " (router has " + r->to_display() + ")";
  if (const json_value* m = body.find("moves_in_flight")) out += ", moves in flight " + m->to_display();
  out += "\n\n" + nodes_table(body) + "\n" + segments_table(body);
  for (std::string extra : {moves_table(body), unhealthy_table(body)})
    if (!extra.empty()) out += "\n" + extra;
  return out;
}

}  // namespace ropekv::ctl
