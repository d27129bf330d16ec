#include "cli_bulk.hpp"

#include <CLI/CLI.hpp>

namespace ropekv::ctl {
namespace {

template <class T>
CLI::Option* optional_option(CLI::App* app, std::string name, std::optional<T>& target, std::string description) {
  return app->add_option_function<T>(
      std::move(name), [&target](const T& v) { target = v; }, std::move(description));
}

void add_load(CLI::App& app, command& cmd) {
  auto* load = app.add_subcommand("load", "bulk import items from JSONL or CSV (POST .../batch)");
  load->footer(
      "\nJSONL: one object per line, either an export line {\"hash_key\",\"range_key\"?,\"item\":{...}}\n"
      "or a plain item whose key attributes hold the keys. CSV: a header row names the\n"
      "attributes; an unquoted number becomes a JSON number, anything else a string\n"
      "(quote it to keep \"42\" a string), an empty unquoted field is left out. The key\n"
      "columns default to the table's hash_key and range_key names. Progress goes to\n"
      "stderr (in place on a terminal), the summary to stdout; --json prints progress,\n"
      "failure and summary events as JSON lines on stdout. Exit 7 when some items\n"
      "failed (each is reported with its line).");
  load->callback([&cmd] { cmd.kind = command_kind::load; });
  load->add_option("table", cmd.table, "table name")->required();
  load->add_option("file", cmd.bulk.file, "FILE.jsonl, FILE.csv, or - for stdin")->required()->type_name("FILE");
  bulk_options& b = cmd.bulk;
  optional_option(load, "--format", b.format, "jsonl or csv (default: csv for *.csv, else jsonl)")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  optional_option(load, "--hash-key-column", b.hash_key_column,
                  "attribute (CSV column) holding the hash key (default: the table's hash_key name)");
  optional_option(load, "--range-key-column", b.range_key_column,
                  "attribute (CSV column) holding the range key (default: the table's range_key name)");
  load->add_flag("--csv-strings", b.csv_strings, "CSV: every value is a string (no numbers)");
  optional_option(load, "--ttl", b.ttl, "every item expires after S seconds (0: never)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 40));
  load->add_option("--batch-size", b.batch_ops, "items per batch request (1..100, default 100)")
      ->check(CLI::Range(1, 100));
  load->add_option("--batch-bytes", b.batch_bytes, "request body bytes per batch (default 1048576)")
      ->check(CLI::Range(uint64_t{4096}, uint64_t{16} << 20));
  load->add_option("--concurrency", b.concurrency, "batch requests in flight (default 4)")->check(CLI::Range(1, 64));
  load->add_option("--retries", b.retries, "re-sends of a batch on 429/503/no answer (default 8)")
      ->check(CLI::Range(0, 100));
  optional_option(load, "--progress-every", b.progress_every,
                  "seconds between progress updates (default 0.2 on a terminal, 1 with --json, else 5)")
      ->check(CLI::Range(0.01, 3600.0));
}

void add_export(CLI::App& app, command& cmd) {
  auto* exp = app.add_subcommand("export", "the whole table in rope order as JSONL (scan with cursors)");
  exp->footer(
      "\nOne line per item, as the router sends it ({\"hash_key\",\"range_key\"?,\"version\",\n"
      "\"item\":{...}}); `ropectl load` reads these lines back. Progress on stderr.");
  exp->callback([&cmd] { cmd.kind = command_kind::export_; });
  exp->add_option("table", cmd.table, "table name")->required();
  exp->add_option("file", cmd.bulk.file, "where to write (default -: stdout)")->type_name("FILE");
  optional_option(exp, "--consistency", cmd.read.consistency, "strong (default) or eventual")
      ->check(CLI::IsMember({"strong", "eventual"}));
  exp->add_option("--retries", cmd.bulk.retries, "re-sends of a page on 429/503/no answer (default 8)")
      ->check(CLI::Range(0, 100));
  optional_option(exp, "--progress-every", cmd.bulk.progress_every,
                  "seconds between progress updates (default 0.2 on a terminal, 1 with --json, else 5)")
      ->check(CLI::Range(0.01, 3600.0));
}

}  // namespace

void add_bulk_commands(CLI::App& app, command& cmd, std::string& completion_shell) {
  add_load(app, cmd);
  add_export(app, cmd);
  auto* completion = app.add_subcommand("completion", "print a shell completion script (bash or zsh)");
  completion->footer(
      "\nbash: source <(ropectl completion bash)   (or save it in\n"
      "      ~/.local/share/bash-completion/completions/ropectl)\n"
      "zsh:  source <(ropectl completion zsh)    (in ~/.zshrc)");
  completion->add_option("shell", completion_shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));
}

command_tree describe_app(const CLI::App& app) {
  command_tree node;
  node.name = app.get_name();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_positional()) {
      if (opt->get_type_name() == "FILE") node.takes_file = true;
      continue;
    }
    std::vector<std::string> names;
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
    for (const auto& s : opt->get_snames()) names.push_back("-" + s);
    for (const auto& n : names) {
      node.options.push_back(n);
      if (opt->get_expected_max() > 0) node.value_options.push_back(n);  // flags expect 0 values
      if (opt->get_type_name() == "FILE") node.file_options.push_back(n);
    }
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    node.subcommands.push_back(describe_app(*sub));
  return node;
}

}  // namespace ropekv::ctl
