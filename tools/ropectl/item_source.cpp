#include "item_source.hpp"

#include <fstream>
#include <iterator>

#include "json_value.hpp"

namespace ropekv::ctl {
namespace {

std::string slurp(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

result<std::string> read_item(const std::optional<std::string>& item_arg, std::istream& stdin_stream) {
  std::string text;
  std::string origin = "--item";
  if (!item_arg || *item_arg == "@-") {
    text = slurp(stdin_stream);
    origin = "stdin";
  } else if (item_arg->starts_with("@")) {
    std::string path = item_arg->substr(1);
    std::ifstream file(path, std::ios::binary);
    if (!file) return make_error(errc::invalid_argument, "cannot read item file '" + path + "'");
    text = slurp(file);
    origin = "item file '" + path + "'";
  } else {
    text = *item_arg;
  }
  auto parsed = json_value::parse(text);
  if (!parsed) return make_error(errc::invalid_argument, origin + " is not valid JSON: " + parsed.error().message);
  if (!parsed->is_object()) return make_error(errc::invalid_argument, origin + " must be a JSON object");
  return text;
}

result<std::string> read_transaction(const std::string& file, std::istream& stdin_stream) {
  std::string text;
  std::string origin = "stdin";
  if (file == "-") {
    text = slurp(stdin_stream);
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return make_error(errc::invalid_argument, "cannot read transaction file '" + file + "'");
    text = slurp(in);
    origin = "transaction file '" + file + "'";
  }
  auto parsed = json_value::parse(text);
  if (!parsed) return make_error(errc::invalid_argument, origin + " is not valid JSON: " + parsed.error().message);
  if (!parsed->is_object())
    return make_error(errc::invalid_argument, origin + " must be a JSON object {\"ops\":[...]}");
  return text;
}

}  // namespace ropekv::ctl
