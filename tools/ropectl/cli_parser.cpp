#include "cli_parser.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <tuple>

#include <CLI/CLI.hpp>

#include "cli_auth.hpp"
#include "cli_bulk.hpp"
#include "cli_nodes.hpp"
#include "router_url.hpp"

namespace ropekv::ctl {
namespace {

// An option that fills a std::optional only when given, so that absent
// options are not sent and the router's defaults apply.
template <class T>
CLI::Option* optional_option(CLI::App* app, std::string name, std::optional<T>& target,
                             std::string description) {
  return app->add_option_function<T>(
      std::move(name), [&target](const T& v) { target = v; }, std::move(description));
}

// Numbers are taken as text and parsed here: CLI11 2.1 converts with
// strtoull(base 0), so "-1" would wrap to 2^64-1 and "010" would be octal,
// and a version or TTL must be exactly what the user typed.
std::optional<uint64_t> parse_decimal(std::string_view text) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

CLI::Validator decimal_in(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        auto v = parse_decimal(text);
        if (!v) return "not a decimal number: " + text;
        if (*v < min || *v > max)
          return "out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]: " + text;
        return {};
      },
      "", "decimal");
}

// The integer type behind a plain or optional target.
template <class T>
struct number_of {
  using type = T;
};
template <class T>
struct number_of<std::optional<T>> {
  using type = T;
};

template <class Target, class T = typename number_of<Target>::type>
CLI::Option* number_option(CLI::App* app, std::string name, Target& target, std::string description,
                           uint64_t min = 0, uint64_t max = std::numeric_limits<T>::max()) {
  return app
      ->add_option_function<std::string>(
          std::move(name), [&target](const std::string& v) { target = static_cast<T>(*parse_decimal(v)); },
          std::move(description))
      ->check(decimal_in(min, max))
      ->type_name("UINT");
}

void on_selected(CLI::App* sub, command& cmd, command_kind kind) {
  sub->callback([&cmd, kind] { cmd.kind = kind; });
}

void add_table(CLI::App* sub, command& cmd) {
  sub->add_option("table", cmd.table, "table name")->required();
}

void add_item_key(CLI::App* sub, command& cmd) {
  add_table(sub, cmd);
  sub->add_option("hash", cmd.hash_key, "hash key (bytes as given)")->required();
  optional_option(sub, "range", cmd.range_key, "range key, for tables that have one");
}

void add_condition(CLI::App* sub, write_options& w) {
  auto* cond = optional_option(sub, "--if", w.condition, "write only if the item is absent|exists")
                   ->check(CLI::IsMember({"absent", "exists"}));
  auto* ver = number_option(sub, "--if-version", w.if_version,
                              "write only if the item's current version is V");
  cond->excludes(ver);
}

void add_read(CLI::App* sub, read_options& r) {
  optional_option(sub, "--consistency", r.consistency, "strong (default) or eventual")
      ->check(CLI::IsMember({"strong", "eventual"}));
  number_option(sub, "--as-of", r.as_of, "read as of this version");
}

void add_paging(CLI::App* sub, range_options& r) {
  number_option(sub, "--limit", r.limit, "items per page (1..1000)", 1, 1000);
  optional_option(sub, "--cursor", r.cursor, "continue from the cursor of a previous page");
  sub->add_flag("--all", r.all, "follow cursors until the last page");
}

void add_tables(CLI::App& app, command& cmd) {
  auto* tables = app.add_subcommand("tables", "list, create, show or delete tables");
  tables->require_subcommand(1);
  on_selected(tables->add_subcommand("list", "list tables"), cmd, command_kind::tables_list);

  auto* create = tables->add_subcommand("create", "create a table");
  on_selected(create, cmd, command_kind::tables_create);
  add_table(create, cmd);
  table_options& t = cmd.table_spec;
  create->add_option("--hash-key", t.hash_key, "name of the hash key")->required();
  optional_option(create, "--range-key", t.range_key, "name of the range key");
  optional_option(create, "--local-index", t.local_index, "attribute holding the local index key");
  number_option(create, "--replication", t.replication, "replicas: 1, 3 (default) or 5");
  number_option(create, "--default-ttl", t.default_ttl, "default item TTL in seconds");
  number_option(create, "--segments", t.segments, "segments (Raft groups) the table starts with");

  auto* get = tables->add_subcommand("get", "show a table");
  on_selected(get, cmd, command_kind::tables_get);
  add_table(get, cmd);
  auto* del = tables->add_subcommand("delete", "delete a table");
  on_selected(del, cmd, command_kind::tables_delete);
  add_table(del, cmd);
}

void add_items(CLI::App& app, command& cmd) {
  auto* put = app.add_subcommand("put", "write an item (JSON object from --item or stdin)");
  on_selected(put, cmd, command_kind::put);
  add_item_key(put, cmd);
  optional_option(put, "--item", cmd.item_arg, "the item: JSON text, @file, or @- for stdin");
  number_option(put, "--ttl", cmd.write.ttl, "expire after S seconds (0: never)");
  add_condition(put, cmd.write);

  auto* get = app.add_subcommand("get", "read an item");
  on_selected(get, cmd, command_kind::get);
  add_item_key(get, cmd);
  add_read(get, cmd.read);

  auto* del = app.add_subcommand("delete", "delete an item");
  on_selected(del, cmd, command_kind::del);
  add_item_key(del, cmd);
  add_condition(del, cmd.write);

  auto* query = app.add_subcommand("query", "items of one hash key, by range key");
  on_selected(query, cmd, command_kind::query);
  add_table(query, cmd);
  query->add_option("hash", cmd.hash_key, "hash key")->required();
  optional_option(query, "--from", cmd.range.from, "lowest range key (inclusive)");
  optional_option(query, "--to", cmd.range.to, "upper bound (exclusive)");
  query->add_flag("--reverse", cmd.range.reverse, "descending order");
  query->add_option_function<std::string>(
           "--index", [&cmd](const std::string&) { cmd.range.local_index = true; },
           "'local': query by the local index attribute")
      ->check(CLI::IsMember({"local"}));
  add_paging(query, cmd.range);
  add_read(query, cmd.read);

  auto* scan = app.add_subcommand("scan", "the whole table in rope order");
  on_selected(scan, cmd, command_kind::scan);
  add_table(scan, cmd);
  add_paging(scan, cmd.range);
  add_read(scan, cmd.read);
}

void add_admin(CLI::App& app, command& cmd) {
  auto* partition = app.add_subcommand("partition", "a partition's items, bytes and head version");
  on_selected(partition, cmd, command_kind::partition);
  add_table(partition, cmd);
  number_option(partition, "partition", cmd.partition, "partition 0..65535", 0, 65535)->required();

  auto* rollback = app.add_subcommand("rollback", "roll a partition back to a version");
  on_selected(rollback, cmd, command_kind::rollback);
  add_table(rollback, cmd);
  number_option(rollback, "partition", cmd.partition, "partition 0..65535", 0, 65535)->required();
  number_option(rollback, "--to-version", cmd.to_version, "version to roll back to")->required();

  on_selected(app.add_subcommand("cluster", "nodes, labels, segments, rope version"), cmd,
              command_kind::cluster);
  on_selected(app.add_subcommand("health", "the router's /healthz"), cmd, command_kind::health);
}

// The change kinds of docs/notifier.md, fixed by the protocol.
const std::vector<std::string>& event_kinds() {
  static const std::vector<std::string> kinds = {"create", "update", "delete", "expired", "rollback"};
  return kinds;
}

void add_events(CLI::App* sub, std::vector<std::string>& events, const std::string& description) {
  sub->add_option("--events", events, description + " (default: all)")
      ->delimiter(',')
      ->check(CLI::IsMember(event_kinds()))
      ->type_name("KIND,...");
}

void add_watch(CLI::App& app, command& cmd, std::string& notifier_flag) {
  auto* watch = app.add_subcommand("watch", "print a table's changes as they happen (notifier WebSocket)");
  watch->footer(
      "\nRuns until ctrl-c, --count events, an error from the notifier, or --timeout S\n"
      "seconds without an event (default: for ever). Prints one line per change, or\n"
      "with --json each event frame as sent; on exit prints 'resume token: TOKEN' on\n"
      "stderr, for --from. Exit: 0 ctrl-c or --count; 3 unknown table or compacted\n"
      "feed; 5 --timeout, slow consumer, notifier unreachable or connection lost;\n"
      "others as for every command (ropectl --help).");
  on_selected(watch, cmd, command_kind::watch);
  add_table(watch, cmd);
  watch_options& w = cmd.watch;
  auto* prefix = optional_option(watch, "--prefix", w.prefix, "only hash keys that start with P");
  auto* key = optional_option(watch, "--hash-key", w.hash_key, "only this hash key");
  prefix->excludes(key);
  add_events(watch, w.events, "change kinds to print");
  optional_option(watch, "--from", w.from,
                  "resume after this token (printed as 'resume token:' when a watch ends)");
  watch->add_option("--notifier", notifier_flag,
                    "notifier WebSocket URL (default: $ROPEKV_NOTIFIER, else " +
                        std::string(default_notifier_url) + ")");
  number_option(watch, "--count", w.count, "exit after printing N events", 1);
}

void add_hooks(CLI::App& app, command& cmd) {
  auto* hooks = app.add_subcommand("hooks", "webhooks: create or replace, list, show or delete");
  hooks->require_subcommand(1);
  on_selected(hooks->add_subcommand("list", "list hooks and their delivery state"), cmd,
              command_kind::hooks_list);

  auto* put = hooks->add_subcommand(
      "put", "create or replace a hook: POST each matching change of a table to a URL");
  on_selected(put, cmd, command_kind::hooks_put);
  put->add_option("name", cmd.hook_name, "hook name")->required();
  hook_options& h = cmd.hook;
  put->add_option("--url", h.url, "where events are POSTed")->required();
  put->add_option("--table", cmd.table, "the table to watch")->required();
  add_events(put, h.events, "change kinds to deliver");
  optional_option(put, "--prefix", h.prefix, "only hash keys that start with P");
  optional_option(put, "--secret", h.secret,
                  "signing secret, whsec_ + base64 of 24..64 bytes (default: a new random one, "
                  "printed once; the router never shows it again)");

  for (auto [name, kind, what] : {std::tuple{"get", command_kind::hooks_get, "show a hook and its state"},
                                  std::tuple{"delete", command_kind::hooks_delete, "delete a hook"}}) {
    auto* sub = hooks->add_subcommand(name, what);
    on_selected(sub, cmd, kind);
    sub->add_option("name", cmd.hook_name, "hook name")->required();
  }
}

void add_index(CLI::App& app, command& cmd, std::vector<std::string>& after_args) {
  auto* index = app.add_subcommand("index", "global secondary indexes: create, list, show, delete, query");
  index->require_subcommand(1);
  index_options& ix = cmd.index;
  auto add_name = [&](CLI::App* sub) {
    add_table(sub, cmd);
    sub->add_option("name", ix.name, "index name")->required();
  };

  auto* create = index->add_subcommand("create", "define an index; the indexers build it from the table");
  create->footer(
      "\nThe index is queryable once its state is active. With --wait, polls it every\n"
      "250 ms, drawing the backfill progress on stderr, and prints the index once\n"
      "active. Exit 4 when the router refuses (409: NAME exists with another\n"
      "definition), 3 when the index disappears while waiting.");
  on_selected(create, cmd, command_kind::index_create);
  add_name(create);
  create->add_option("--attribute", ix.attribute, "the attribute indexed, a dotted path (a.b)")->required();
  optional_option(create, "--type", ix.type, "string (default) or number")
      ->check(CLI::IsMember({"string", "number"}));
  optional_option(create, "--projection", ix.projection, "what a query returns: keys or all (default)")
      ->check(CLI::IsMember({"keys", "all"}));
  create->add_flag("--unique", ix.unique,
                   "values should be unique: duplicates are reported (unique_violations), not refused");
  create->add_flag("--wait", ix.wait, "wait until the index is active, showing progress on stderr");

  auto* list = index->add_subcommand("list", "the table's indexes");
  on_selected(list, cmd, command_kind::index_list);
  add_table(list, cmd);
  for (auto [name, kind, what] :
       {std::tuple{"get", command_kind::index_get, "show an index: state, backfill progress, lag"},
        std::tuple{"delete", command_kind::index_delete, "delete an index (the table is untouched)"}}) {
    auto* sub = index->add_subcommand(name, what);
    on_selected(sub, cmd, kind);
    add_name(sub);
  }

  auto* query = index->add_subcommand("query", "items by indexed value, in index order");
  query->footer(
      "\nPrints the page as JSON; with --all, every item of every page, one JSON\n"
      "object per line (with --json: each page, one per line).");
  on_selected(query, cmd, command_kind::index_query);
  add_name(query);
  range_options& r = cmd.range;
  auto* eq = optional_option(query, "--eq", ix.eq, "items whose value equals V")->type_name("V");
  auto* from = optional_option(query, "--from", r.from, "lowest value (inclusive)");
  auto* to = optional_option(query, "--to", r.to, "upper bound (exclusive)");
  eq->excludes(from)->excludes(to);
  query->add_flag("--reverse", r.reverse, "descending order");
  // Split by split_write_tokens after parsing: CLI11's delimiter would
  // silently drop the empty piece of a mistyped "T1,,T2".
  query
      ->add_option("--after", after_args,
                   "answer only once these writes are indexed: the \"token\" of a put or delete "
                   "(repeatable, or TOKEN,TOKEN)")
      ->expected(1)  // one per --after: a second word is the table, not a token
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->type_name("TOKEN");
  add_paging(query, r);
}

void add_transact(CLI::App& app, command& cmd) {
  auto* transact = app.add_subcommand(
      "transact", "run a transaction: all its writes commit or none does (POST /v1/transact)");
  transact->footer(
      "\nFILE holds the request, e.g.\n"
      "  {\"request_id\":\"t-42\",\"ops\":[\n"
      "    {\"check\":{\"table\":\"accounts\",\"hash_key\":\"a\",\"if\":\"exists\"}},\n"
      "    {\"put\":{\"table\":\"accounts\",\"hash_key\":\"b\",\"item\":{\"balance\":10}}},\n"
      "    {\"delete\":{\"table\":\"orders\",\"hash_key\":\"o1\",\"if_version\":7}},\n"
      "    {\"get\":{\"table\":\"accounts\",\"hash_key\":\"c\"}}]}\n"
      "Prints the commit version and each op's outcome (--json: the router's answer).\n"
      "Exit 4 when the transaction was canceled (409: one line per op that failed,\n"
      "nothing was written); 2 when FILE is unreadable or not a JSON object, or the\n"
      "router refused it (400); 5 no answer or 503 (the transaction may have\n"
      "committed: retry with the same request_id to learn its outcome without\n"
      "applying it twice).");
  on_selected(transact, cmd, command_kind::transact);
  transact->add_option("file", cmd.transaction_file, "the transaction as JSON; - reads stdin")
      ->required()
      ->type_name("FILE");
}

constexpr const char* help_footer = R"(
Environment: ROPEKV_ROUTER (router URL), ROPEKV_NOTIFIER (watch: notifier URL),
ROPEKV_TOKEN (bearer token, unless --token).

watch prints one line per change (--json: each event frame, one per line)
and, when it ends, "resume token: TOKEN" on stderr; pass it to --from to
continue without missing a change. --timeout S means, for watch, "give up
after S seconds without an event" (default: wait for ever).

index subcommands print the router's JSON (index query --all: one item per
line). index create --wait shows the backfill on stderr (redrawn in place on
a terminal, one line per change otherwise) and prints the index once active.

load and export show progress on stderr (in place on a terminal); load
--json prints progress and a summary as JSON lines on stdout.
node drain ID --wait follows the drain until the node holds no replica
(progress on stderr; --json: events on stdout); after `drain`, --timeout is
how long to wait (10m, 90s), not the per-request timeout.
Shell completion: source <(ropectl completion bash)   (or zsh).

)";

}  // namespace

result<std::vector<std::string>> split_write_tokens(const std::vector<std::string>& args) {
  std::vector<std::string> tokens;
  for (const auto& arg : args) {
    size_t start = 0;
    for (;;) {
      size_t comma = arg.find(',', start);
      std::string token = arg.substr(start, comma == std::string::npos ? comma : comma - start);
      if (token.empty()) return make_error(errc::invalid_argument, "empty write token in '" + arg + "'");
      tokens.push_back(std::move(token));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return tokens;
}

namespace {

// What the grammar fills besides parsed_args: flags resolved after parsing.
struct raw_flags {
  std::string router, notifier, completion_shell, token;
  std::vector<std::string> after;
  CLI::Option* timeout = nullptr;
};

void build_app(CLI::App& app, parsed_args& args, raw_flags& flags) {
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  app.add_option("--router", flags.router,
                 "router URL (default: $ROPEKV_ROUTER, else " + std::string(default_router_url) + ")");
  app.add_flag("--json", args.global.json, "print the server's JSON, one object per line");
  flags.timeout = app.add_option("--timeout", args.global.timeout_seconds,
                                 "seconds per request (default 10); watch: seconds without an event")
                      ->check(CLI::PositiveNumber);
  app.add_option("--token", flags.token, "bearer token sent to the router and notifier (default: $ROPEKV_TOKEN)")
      ->type_name("SECRET");
  add_tables(app, args.cmd);
  add_items(app, args.cmd);
  add_admin(app, args.cmd);
  add_watch(app, args.cmd, flags.notifier);
  add_hooks(app, args.cmd);
  add_index(app, args.cmd, flags.after);
  add_transact(app, args.cmd);
  add_bulk_commands(app, args.cmd, flags.completion_shell);
  add_node_commands(app, args.cmd);
  add_auth_commands(app, args.cmd);
  app.footer(std::string(help_footer) + std::string(exit_code_help()));
}

constexpr const char* app_description =
    "ropectl: command-line client for RopeKV (its router, and the notifier for watch)";

}  // namespace

command_tree cli_command_tree() {
  parsed_args args;
  raw_flags flags;
  CLI::App app{app_description, "ropectl"};
  build_app(app, args, flags);
  return describe_app(app);
}

parse_outcome parse_args(const std::vector<std::string>& argv, const char* router_env,
                         const char* notifier_env, const char* token_env) {
  parsed_args args;
  raw_flags flags;
  CLI::App app{app_description, "ropectl"};
  build_app(app, args, flags);
  std::string& router_flag = flags.router;
  std::string& notifier_flag = flags.notifier;
  std::string& completion_shell = flags.completion_shell;
  std::vector<std::string>& after_args = flags.after;
  CLI::Option* timeout = flags.timeout;

  parse_outcome outcome;
  std::ostringstream out, err;
  try {
    // CLI11 takes the arguments in reverse order, without the program name.
    std::vector<std::string> reversed(argv.rbegin(), argv.rend());
    if (!reversed.empty()) reversed.pop_back();
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    outcome.exit_code = code == 0 ? exit_ok : exit_usage;
    outcome.out = out.str();
    outcome.err = err.str();
    return outcome;
  }
  if (!completion_shell.empty()) {
    auto script = completion_script(describe_app(app), completion_shell);
    outcome.exit_code = script ? exit_ok : exit_usage;
    (script ? outcome.out : outcome.err) = script ? *script : "error: usage: " + script.error().message + "\n";
    return outcome;
  }
  if (!std::isfinite(args.global.timeout_seconds)) {  // PositiveNumber lets "nan" through
    outcome.exit_code = exit_usage;
    outcome.err = "--timeout: not a finite number of seconds\n";
    return outcome;
  }
  args.global.token = !flags.token.empty() ? flags.token : token_env ? token_env : "";
  args.global.router_url = choose_router_url(router_flag, router_env);
  if (auto endpoint = parse_router_url(args.global.router_url); !endpoint) {
    outcome.exit_code = exit_usage;
    outcome.err = "error: usage: " + endpoint.error().message + "\n";
    return outcome;
  }
  auto tokens = split_write_tokens(after_args);
  if (!tokens) {
    outcome.exit_code = exit_usage;
    outcome.err = "error: usage: --after: " + tokens.error().message + "\n";
    return outcome;
  }
  args.cmd.index.after = std::move(tokens).value();
  if (args.cmd.kind == command_kind::watch) {
    watch_options& w = args.cmd.watch;
    w.notifier_url = choose_url(notifier_flag, notifier_env, default_notifier_url);
    if (auto endpoint = parse_notifier_url(w.notifier_url); !endpoint) {
      outcome.exit_code = exit_usage;
      outcome.err = "error: usage: " + endpoint.error().message + "\n";
      return outcome;
    }
    if (timeout->count() > 0) w.idle_timeout_seconds = args.global.timeout_seconds;
  }
  outcome.args = std::move(args);
  return outcome;
}

}  // namespace ropekv::ctl
