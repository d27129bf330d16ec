// format_cluster (declared in output_formatter.hpp): GET /v1/cluster as a
// summary line and one table each for nodes, segments, moves in flight and
// unhealthy segments (the last two only when there are any).
// Kept apart from output_formatter.cpp because the cluster view is the one
// response with several nested lists. Also format_nodes (the per-node view
// of the same body) and format_node_load (node drain|undrain).
#include "drain_progress.hpp"
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

std::string age_of(const json_value& move) {
  const json_value* v = move.find("age_ms");
  auto ms = v ? v->as_uint64() : std::nullopt;
  return ms ? format_elapsed(static_cast<double>(*ms) / 1000) : "-";
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
      {"NODE", "ADDRESS", "DC", "RACK", "HOST", "NUMA", "ALIVE", "DRAINING"}};
  for (const auto& n : nodes->elements()) {
    const json_value* labels = n.find("labels");
    json_value none;
    const json_value& l = labels && labels->is_object() ? *labels : none;
    rows.push_back({text_of(n, "id"), text_of(n, "address"), text_of(l, "dc"), text_of(l, "rack"),
                    text_of(l, "host"), text_of(l, "numa"), yes_no(n.find("alive")), yes_no(n.find("draining"))});
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
  std::vector<std::vector<std::string>> rows = {
      {"MOVING", "KIND", "STATE", "FROM", "TO", "AGE", "TARGET_EPOCH", "REASON"}};
  for (const auto& m : moves->elements())
    rows.push_back({text_of(m, "segment"), text_of(m, "kind"), text_of(m, "state"), text_of(m, "from_node"),
                    text_of(m, "to_node"), age_of(m), text_of(m, "target_epoch"), text_of(m, "reason")});
  return format_columns(rows);
}

// The node_loads entry of node `id`, or an empty object.
const json_value& load_of(const json_value& body, const std::string& id) {
  static const json_value none = json_value::make(json_value::kind::object);
  const json_value* loads = body.find("node_loads");
  if (!loads || !loads->is_array()) return none;
  for (const auto& l : loads->elements())
    if (text_of(l, "id") == id) return l;
  return none;
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

std::string format_nodes(const json_value& body) {
  const json_value* nodes = body.find("nodes");
  if (!nodes || !nodes->is_array() || nodes->elements().empty()) return "nodes: none\n";
  std::vector<std::vector<std::string>> rows = {
      {"NODE", "ADDRESS", "RACK", "ALIVE", "DRAINING", "REPLICAS", "LEADERS", "BYTES", "MOVES"}};
  for (const auto& n : nodes->elements()) {
    const json_value* labels = n.find("labels");
    json_value none;
    const json_value& l = labels && labels->is_object() ? *labels : none;
    const json_value& load = load_of(body, text_of(n, "id"));
    rows.push_back({text_of(n, "id"), text_of(n, "address"), text_of(l, "rack"), yes_no(n.find("alive")),
                    yes_no(n.find("draining")), text_of(load, "replicas"), text_of(load, "leaders"),
                    text_of(load, "bytes"), text_of(load, "moves_in_flight")});
  }
  std::string out = format_columns(rows);
  const json_value* moves = body.find("moves");
  if (!moves || !moves->is_array() || moves->elements().empty()) return out + "\nno moves in flight\n";
  std::vector<std::vector<std::string>> move_rows = {{"SEGMENT", "KIND", "STATE", "FROM", "TO", "AGE", "REASON"}};
  for (const auto& m : moves->elements())
    move_rows.push_back({text_of(m, "segment"), text_of(m, "kind"), text_of(m, "state"), text_of(m, "from_node"),
                         text_of(m, "to_node"), age_of(m), text_of(m, "reason")});
  return out + "\n" + format_columns(move_rows);
}

std::string format_node_load(const command& cmd, const json_value& body) {
  const json_value* node = body.find("node");
  json_value none;
  const json_value& n = node && node->is_object() ? *node : none;
  const json_value* draining = n.find("draining");
  bool is_draining = draining ? draining->as_bool() : cmd.kind == command_kind::node_drain;
  return "node " + std::to_string(cmd.node.id) + (is_draining ? " draining: " : " not draining: ") +
         text_of(n, "replicas") + " replicas, " + text_of(n, "leaders") + " leaders, " +
         text_of(n, "moves_in_flight") + " moves in flight\n";
}

}  // namespace ropekv::ctl
