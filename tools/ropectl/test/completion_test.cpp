// Completion scripts come from the parser's command tree: every subcommand
// and option is in them, and bash itself accepts the script.
#include <gtest/gtest.h>

#include <functional>

#include "cli_parser.hpp"
#include "subprocess.hpp"

namespace ropekv::ctl {
namespace {

void each_node(const command_tree& n, const std::string& path,
               const std::function<void(const command_tree&, const std::string&)>& f) {
  f(n, path);
  for (const auto& s : n.subcommands) each_node(s, path.empty() ? s.name : path + " " + s.name, f);
}

TEST(completion, the_tree_is_the_parsers) {
  auto tree = cli_command_tree();
  EXPECT_EQ(tree.name, "ropectl");
  std::vector<std::string> top;
  for (const auto& s : tree.subcommands) top.push_back(s.name);
  for (auto name : {"tables", "put", "get", "delete", "query", "scan", "partition", "rollback", "cluster", "health",
                    "watch", "hooks", "index", "transact", "load", "export", "completion", "nodes", "node"})
    EXPECT_NE(std::find(top.begin(), top.end(), name), top.end()) << name;
  // Every top-level subcommand in the help text is in the tree (the help is
  // CLI11's own rendering of the same App).
  auto help = parse_args({"ropectl", "--help"}, nullptr);
  for (const auto& name : top) EXPECT_NE(help.out.find("  " + name + " "), std::string::npos) << name;
  EXPECT_EQ(std::count_if(help.out.begin(), help.out.end(), [](char c) { return c == '\n'; }) > 0, true);
}

TEST(completion, bash_script_has_every_subcommand_and_option) {
  auto parsed = parse_args({"ropectl", "completion", "bash"}, nullptr);
  EXPECT_EQ(parsed.exit_code, exit_ok);
  EXPECT_FALSE(parsed.args);  // nothing to run
  const std::string& script = parsed.out;
  size_t nodes = 0;
  each_node(cli_command_tree(), "", [&](const command_tree& n, const std::string& path) {
    ++nodes;
    if (!n.subcommands.empty()) {
      std::string line = "    \"" + path + "\") echo \"";
      for (size_t i = 0; i < n.subcommands.size(); ++i) line += (i ? " " : "") + n.subcommands[i].name;
      EXPECT_NE(script.find(line + "\" ;;"), std::string::npos) << line;
    }
    std::string opts = "    \"" + path + "\") echo \"";
    for (size_t i = 0; i < n.options.size(); ++i) opts += (i ? " " : "") + n.options[i];
    EXPECT_NE(script.find(opts + "\" ;;"), std::string::npos) << opts;
    EXPECT_FALSE(n.options.empty()) << path;  // --help at least
  });
  EXPECT_GT(nodes, 30u);
  EXPECT_NE(script.find("\"load\") echo \""), std::string::npos);
  EXPECT_NE(script.find("--hash-key-column"), std::string::npos);
  EXPECT_NE(script.find("\"tables create\") echo \""), std::string::npos);
  EXPECT_NE(script.find("complete -F _ropectl ropectl"), std::string::npos);
  // value options are skipped while walking, file arguments complete files
  EXPECT_NE(script.find("\"\") echo \"--router --timeout"), std::string::npos);
  EXPECT_NE(script.find("_ropectl_takes_file() {\n  case \"$1\" in\n"), std::string::npos);
  for (auto node : {"load", "export", "transact"})
    EXPECT_NE(script.find("    \"" + std::string(node) + "\") return 0 ;;\n"), std::string::npos) << node;
}

TEST(completion, zsh_and_unknown_shells) {
  auto zsh = parse_args({"ropectl", "completion", "zsh"}, nullptr);
  EXPECT_EQ(zsh.exit_code, exit_ok);
  EXPECT_NE(zsh.out.find("bashcompinit"), std::string::npos);
  EXPECT_NE(zsh.out.find("complete -F _ropectl ropectl"), std::string::npos);
  auto fish = parse_args({"ropectl", "completion", "fish"}, nullptr);
  EXPECT_EQ(fish.exit_code, exit_usage);
}

// bash runs the script and completes a few command lines.
TEST(completion, bash_completes_with_the_script) {
  auto script = parse_args({"ropectl", "completion", "bash"}, nullptr).out;
  auto complete = [&](const std::string& line) {
    std::string prog = script +
                       "COMP_WORDS=(" + line + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));"
                       "_ropectl; printf '%s\\n' \"${COMPREPLY[@]}\"";
    auto r = test::run_process({"/bin/bash", "-c", prog});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  EXPECT_EQ(complete("ropectl lo"), "load\n");
  EXPECT_EQ(complete("ropectl tables c"), "create\n");
  EXPECT_EQ(complete("ropectl --router http://x:1 index q"), "query\n");  // a value option is skipped
  std::string opts = complete("ropectl load users f.csv --hash-key-c");
  EXPECT_EQ(opts, "--hash-key-column\n");
  EXPECT_NE(complete("ropectl --j").find("--json"), std::string::npos);
  EXPECT_EQ(complete("ropectl completion ''").find("load"), std::string::npos);  // not a subcommand there
  const std::string self = ROPECTL_BINARY "_tes";  // this test binary, beside ropectl
  for (std::string line : {"ropectl load users ", "ropectl transact "}) {  // a FILE argument
    std::string files = complete(line + self);
    EXPECT_NE(files.find(self + "t\n"), std::string::npos) << files;
    EXPECT_TRUE(files.starts_with(self)) << files;
  }
  EXPECT_EQ(complete("ropectl --router " + self), "\n");  // a URL, not a file
}

}  // namespace
}  // namespace ropekv::ctl
