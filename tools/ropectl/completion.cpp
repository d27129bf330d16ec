#include "completion.hpp"

#include <functional>

namespace ropekv::ctl {
namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Visits every node with its path below the root ("" for the root itself,
// "tables create" for a nested one).
void walk(const command_tree& node, const std::string& path,
          const std::function<void(const command_tree&, const std::string&)>& visit) {
  visit(node, path);
  for (const auto& sub : node.subcommands) walk(sub, path.empty() ? sub.name : path + " " + sub.name, visit);
}

// A bash function `name PATH` that echoes the words `pick` gives each node.
std::string table_function(const command_tree& root, const std::string& name,
                           const std::function<std::vector<std::string>(const command_tree&)>& pick) {
  std::string out = name + "() {\n  case \"$1\" in\n";
  walk(root, "", [&](const command_tree& node, const std::string& path) {
    auto words = pick(node);
    if (!words.empty()) out += "    \"" + path + "\") echo \"" + join(words) + "\" ;;\n";
  });
  return out + "  esac\n}\n";
}

std::string bash_script(const command_tree& root) {
  const std::string f = "_" + root.name;
  std::string out = "# " + root.name + " completion, generated from its command tree by `" + root.name +
                    " completion`.\n";
  out += table_function(root, f + "_subs", [](const command_tree& n) {
    std::vector<std::string> names;
    for (const auto& s : n.subcommands) names.push_back(s.name);
    return names;
  });
  out += table_function(root, f + "_opts", [](const command_tree& n) { return n.options; });
  out += table_function(root, f + "_value_opts", [](const command_tree& n) { return n.value_options; });
  out += table_function(root, f + "_file_opts", [](const command_tree& n) { return n.file_options; });
  out += f + "_takes_file() {\n  case \"$1\" in\n";
  walk(root, "", [&](const command_tree& node, const std::string& path) {
    if (node.takes_file) out += "    \"" + path + "\") return 0 ;;\n";
  });
  out += "  esac\n  return 1\n}\n";
  out += f + "_has() { [[ \" $1 \" == *\" $2 \"* ]]; }\n";
  out += f + "() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
         "  local path=\"\" word i skip=0\n"
         "  COMPREPLY=()\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    word=\"${COMP_WORDS[i]}\"\n"
         "    if ((skip)); then skip=0; continue; fi\n"
         "    if [[ \"$word\" == -* ]]; then\n"
         "      [[ \"$word\" != *=* ]] && " + f + "_has \"$(" + f + "_value_opts \"$path\") $(" + f +
         "_value_opts \"\")\" \"$word\" && skip=1\n"
         "      continue\n"
         "    fi\n"
         "    " + f + "_has \"$(" + f + "_subs \"$path\")\" \"$word\" && path=\"${path:+$path }$word\"\n"
         "  done\n"
         "  if ((skip)); then\n"
         "    " + f + "_has \"$(" + f + "_file_opts \"$path\") $(" + f + "_file_opts \"\")\" \"$prev\" &&\n"
         "      COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "    return 0\n"
         "  fi\n"
         "  if [[ \"$cur\" == -* ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$(" + f + "_opts \"$path\") $(" + f + "_opts \"\")\" -- \"$cur\"))\n"
         "    return 0\n"
         "  fi\n"
         "  COMPREPLY=($(compgen -W \"$(" + f + "_subs \"$path\")\" -- \"$cur\"))\n"
         "  " + f + "_takes_file \"$path\" && COMPREPLY+=($(compgen -f -- \"$cur\"))\n"
         "  return 0\n"
         "}\n";
  out += "complete -F " + f + " " + root.name + "\n";
  return out;
}

}  // namespace

result<std::string> completion_script(const command_tree& root, std::string_view shell) {
  if (shell == "bash") return bash_script(root);
  if (shell == "zsh")
    return "# zsh runs the bash completion below through bashcompinit.\n"
           "(( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }\n"
           "autoload -U +X bashcompinit && bashcompinit\n" +
           bash_script(root);
  return make_error(errc::invalid_argument, "completion: shell must be bash or zsh");
}

}  // namespace ropekv::ctl
