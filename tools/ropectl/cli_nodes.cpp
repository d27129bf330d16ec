#include "cli_nodes.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include <CLI/CLI.hpp>

namespace ropekv::ctl {
namespace {

// Node ids as the router takes them: positive decimal integers. Parsed
// here, not by CLI11 (whose strtoull would read "-1" as 2^64-1).
CLI::Option* add_node_id(CLI::App* sub, uint64_t& id) {
  return sub
      ->add_option_function<std::string>(
          "id", [&id](const std::string& v) { std::from_chars(v.data(), v.data() + v.size(), id); },
          "node id, as `ropectl nodes` shows it")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            uint64_t v = 0;
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
            if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v == 0)
              return "not a node id (a positive decimal number): " + text;
            return {};
          },
          "", "node id"))
      ->type_name("ID")
      ->required();
}

}  // namespace

std::optional<double> parse_duration_seconds(std::string_view text) {
  double scale = 1;
  if (!text.empty()) {
    switch (text.back()) {
      case 's': scale = 1; break;
      case 'm': scale = 60; break;
      case 'h': scale = 3600; break;
      default: scale = 0;
    }
    if (scale != 0) text.remove_suffix(1);
    else scale = 1;
  }
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  v *= scale;
  if (!std::isfinite(v) || v <= 0) return std::nullopt;
  return v;
}

void add_node_commands(CLI::App& app, command& cmd) {
  auto* nodes = app.add_subcommand("nodes", "per node: alive, draining, replicas, leaders, moves in flight");
  nodes->callback([&cmd] { cmd.kind = command_kind::nodes; });

  auto* node = app.add_subcommand("node", "drain a node (move every replica off it) or cancel a drain");
  node->require_subcommand(1);
  node_options& n = cmd.node;

  auto* drain = node->add_subcommand("drain", "start draining a node: placement moves its replicas away");
  drain->footer(
      "\nThe node keeps serving what it holds but takes no new replica; placement moves\n"
      "each replica to another node (docs/agency.md). Without --wait, prints the node's\n"
      "load and returns. With --wait, polls GET /v1/cluster every 250 ms until the node\n"
      "holds no replica and no move off it is in flight, showing progress on stderr (in\n"
      "place on a terminal; --json: progress events and a summary on stdout). Exit: 0\n"
      "drained; 3 no such node; 4 the drain was cancelled (node undrain) while waiting;\n"
      "5 --timeout passed first (the drain goes on) or the router is unavailable.");
  drain->callback([&cmd] { cmd.kind = command_kind::node_drain; });
  add_node_id(drain, n.id);
  auto* wait = drain->add_flag("--wait", n.wait, "wait until the node holds nothing, showing progress");
  // Shadows the global --timeout (seconds per request) after `drain`.
  drain
      ->add_option_function<std::string>(
          "--timeout", [&n](const std::string& v) { n.wait_seconds = *parse_duration_seconds(v); },
          "with --wait: give up after this long, e.g. 90s, 10m, 1h (default 10m)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return parse_duration_seconds(text) ? "" : "not a duration (90, 90s, 10m, 1h): " + text;
          },
          "", "duration"))
      ->type_name("DURATION")
      ->needs(wait);

  auto* undrain = node->add_subcommand("undrain", "cancel a node's drain: it accepts replicas again");
  undrain->callback([&cmd] { cmd.kind = command_kind::node_undrain; });
  add_node_id(undrain, n.id);
}

}  // namespace ropekv::ctl
