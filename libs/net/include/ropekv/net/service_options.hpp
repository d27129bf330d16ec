#pragma once
// Where a service's options come from, one copy for every RopeKV executable
// (placement, segment-owner, router, notifier, indexer, ropekv-dev).
//
// Sources, highest precedence first:
//   1. command-line flags            --port=7401
//   2. environment variables         ROPEKV_PORT=7401
//   3. the config file               --config-file=PATH (or ROPEKV_CONFIG_FILE);
//                                    else ./caf-application.ini when present
//   4. the defaults in the service's config struct.
//
// The environment name of an option is generic, never a per-service list:
// every option `foo-bar` of the config's "global" group (what --help lists)
// is read from ROPEKV_FOO_BAR (upper case, '-' -> '_'); CAF's own help,
// long-help and dump-config are not. A ROPEKV_* variable that names no
// option of this service is ignored with one warning line on stderr: other
// tools share the prefix (ROPEKV_ROUTER for ropectl, ROPEKV_*_BIN for the
// tests), and the same environment is handed to every service of a cluster,
// which do not all have the same options. A value that does not parse as the
// option's type is "bad configuration: ROPEKV_PORT=abc: ..." and exit code 2;
// an empty value counts as not set.
//
// The config file is CAF 0.17's INI format, options under [global]; strings
// are quoted (placement="127.0.0.1:7400"), durations carry a unit (30s). CAF
// itself drops a value of the wrong type there silently; it is checked here
// first and reported like a bad environment value.
//
// How the precedence is implemented: CAF's parse() applies the file, then the
// flags. The environment is applied afterwards, to every option not given
// as a flag (--name or --name=value; the services define no short names).
// Bool options work the same way (ROPEKV_DURABLE_LOG=false), which flags
// injected into the command line could not do (CAF flags take no value).
#include <caf/actor_system_config.hpp>
#include <caf/config_option.hpp>
#include <caf/config_option_set.hpp>
#include <caf/config_value.hpp>
#include <caf/settings.hpp>

#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace ropekv::net {

/// ROPEKV_ + the option's long name in upper case with '-' as '_'.
inline std::string env_var_name(std::string_view option) {
  std::string out = "ROPEKV_";
  for (char c : option) out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

namespace detail {

inline std::string str(caf::string_view v) { return std::string(v.data(), v.size()); }

// actor_system_config keeps its option set protected and offers no getter;
// a pointer to the member, formed in a derived class, reads it.
struct config_access : caf::actor_system_config {
  static const caf::config_option_set& options(const caf::actor_system_config& cfg) {
    return cfg.*(&config_access::custom_options_);
  }
};

// Options of the "global" group a user sets (CAF's help switches excluded).
inline std::vector<const caf::config_option*> settable_options(const caf::actor_system_config& cfg) {
  std::vector<const caf::config_option*> out;
  for (auto& opt : config_access::options(cfg)) {
    if (str(opt.category()) != "global") continue;
    auto name = str(opt.long_name());
    if (name == "help" || name == "long-help" || name == "dump-config") continue;
    out.push_back(&opt);
  }
  return out;
}

inline bool asks_for_help(const std::vector<std::string>& args) {
  for (auto& a : args)
    if (a == "-h" || a == "-?" || a == "--help" || a == "--long-help" || a == "--dump-config") return true;
  return false;
}

// True when `args` sets `name` as a flag: --name, --name=value (also
// --caf#name=..., which CAF accepts for any option).
inline bool given_as_flag(const std::vector<std::string>& args, std::string_view name) {
  for (std::string_view a : args) {
    if (a.substr(0, 2) != "--") continue;
    a.remove_prefix(2);
    if (a.substr(0, 4) == "caf#") a.remove_prefix(4);
    if (a.substr(0, name.size()) != name) continue;
    if (a.size() == name.size() || a[name.size()] == '=') return true;
  }
  return false;
}

// The path CAF will read: --config-file=PATH on the command line, else
// `env_path` (ROPEKV_CONFIG_FILE), else cfg.config_file_path (CAF's default,
// caf-application.ini). `explicit_path` says whether a missing file is an error.
inline std::string config_file_of(const caf::actor_system_config& cfg, const std::vector<std::string>& args,
                                  const std::string& env_path, bool& explicit_path) {
  explicit_path = true;
  for (std::string_view a : args) {
    for (std::string_view prefix : {"--config-file=", "--caf#config-file="})
      if (a.substr(0, prefix.size()) == prefix) return std::string{a.substr(prefix.size())};
  }
  if (!env_path.empty()) return env_path;
  explicit_path = false;
  return cfg.config_file_path;
}

inline std::string render_value(const caf::config_value& v) { return caf::to_string(v); }

// Type-checks the file's [global] values against the options (CAF 0.17 only
// records a mismatch as a warning nobody reads and keeps the default).
// Returns what is wrong, or an empty string.
inline std::string check_config_file(const caf::actor_system_config& cfg, const std::string& path) {
  std::ifstream in{path};
  if (!in) return {};  // CAF reports a missing explicit file itself
  auto parsed = caf::actor_system_config::parse_config(in);
  if (!parsed) return {};  // a syntax error: CAF's parse() reports it with line and column
  // CAF 0.17 lifts [global] to the top level of what it parsed.
  auto opts = settable_options(cfg);
  for (auto& [key, value] : *parsed) {
    for (auto* opt : opts) {
      if (str(opt->long_name()) != key) continue;
      if (opt->check(value))
        return path + ": " + std::string{key} + " = " + render_value(value) + ": expected " + str(opt->type_name());
    }
  }
  return {};
}

}  // namespace detail

/// The text --help prints after CAF's option list: the sources, their
/// precedence and this service's environment variable names.
inline std::string options_epilog(const caf::actor_system_config& cfg) {
  std::ostringstream out;
  out << "Configuration, highest precedence first:\n"
      << "  1. command-line flags (--name=value)\n"
      << "  2. environment variables: every option above as ROPEKV_<NAME>, upper case, '-' as '_'\n"
      << "     (--http-port -> ROPEKV_HTTP_PORT); other ROPEKV_* variables are ignored with a warning\n"
      << "  3. config file: --config-file=PATH or ROPEKV_CONFIG_FILE (CAF INI format, options under\n"
      << "     [global], strings quoted: placement=\"127.0.0.1:7400\"); else ./caf-application.ini if present\n"
      << "  4. built-in defaults\n"
      << "Environment variables read:";
  size_t col = 27;
  for (auto* opt : detail::settable_options(cfg)) {
    auto name = env_var_name(detail::str(opt->long_name()));
    if (col + name.size() + 1 > 100) {
      out << "\n ";
      col = 1;
    }
    out << ' ' << name;
    col += name.size() + 1;
  }
  out << '\n';
  return out.str();
}

/// Reads `args` (argv[1..]), the config file and `env` ("NAME=VALUE"
/// strings, as in environ) into `cfg` with the precedence above. Returns the
/// code main() should exit with now -- 2 for a bad configuration (the reason
/// on `err`), 0 when only the help text was asked for (printed on `out`) --
/// or nothing to go on. Unknown ROPEKV_* variables: one warning on `err`.
inline std::optional<int> load_options(caf::actor_system_config& cfg, std::vector<std::string> args,
                                       const std::vector<std::string>& env, std::ostream& out,
                                       std::ostream& err) {
  auto bad = [&err](const std::string& why) {
    err << "bad configuration: " << why << '\n';
    return 2;
  };
  const bool help = detail::asks_for_help(args);
  auto opts = detail::settable_options(cfg);

  // The environment: which variables name an option, and do their values parse?
  struct env_value {
    const caf::config_option* opt;
    std::string var;
    std::string value;
  };
  std::vector<env_value> from_env;
  std::vector<std::string> unknown;
  std::string env_config_file;
  for (auto& entry : env) {
    if (entry.rfind("ROPEKV_", 0) != 0) continue;
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string var = entry.substr(0, eq), value = entry.substr(eq + 1);
    if (value.empty()) continue;  // ROPEKV_PORT= (as compose files leave unset ones): not set
    const caf::config_option* match = nullptr;
    for (auto* opt : opts)
      if (env_var_name(detail::str(opt->long_name())) == var) match = opt;
    if (match == nullptr) {
      unknown.push_back(var);
      continue;
    }
    if (detail::str(match->long_name()) == "config-file") {
      env_config_file = value;
      continue;
    }
    // parse() also stores the value in the config's member; harmless, as the
    // file and the flags are applied after and the environment after them.
    if (auto parsed = match->parse(caf::string_view{value.data(), value.size()}); !parsed && !help) {
      return bad(var + "=" + value + ": not a valid " + detail::str(match->type_name()) + " for --" +
                 detail::str(match->long_name()) + " (" + cfg.render(parsed.error()) + ")");
    }
    from_env.push_back({match, var, value});
  }
  if (!unknown.empty() && !help) {
    err << "warning: ignoring";
    for (auto& u : unknown) err << ' ' << u;
    err << " (not options of this program; see --help)\n";
  }

  bool explicit_file = false;
  auto file = detail::config_file_of(cfg, args, env_config_file, explicit_file);
  if (!env_config_file.empty() && !detail::given_as_flag(args, "config-file"))
    args.insert(args.begin(), "--config-file=" + env_config_file);
  if (auto why = detail::check_config_file(cfg, file); !why.empty() && !help) return bad(why);

  const auto cli = args;  // parse() consumes its copy
  if (auto e = cfg.parse(std::move(args))) {
    auto why = cfg.render(e);
    if (explicit_file && !std::ifstream{file}) why = "cannot read config file " + file + " (" + why + ")";
    return bad(why);
  }
  if (cfg.cli_helptext_printed) {
    if (caf::get_or(cfg.content, "help", false) || caf::get_or(cfg.content, "long-help", false))
      out << options_epilog(cfg) << std::flush;
    return 0;
  }
  for (auto& e : from_env) {
    if (detail::given_as_flag(cli, detail::str(e.opt->long_name()))) continue;
    auto parsed = e.opt->parse(caf::string_view{e.value.data(), e.value.size()});  // stores it in the config's member
    if (!parsed) return bad(e.var + "=" + e.value + ": " + cfg.render(parsed.error()));
    caf::put(cfg.content, e.opt->long_name(), std::move(*parsed));
  }
  return std::nullopt;
}

}  // namespace ropekv::net
