#include "ropekv/linearizability/history.hpp"

#include <utility>

namespace ropekv::lin {

namespace {

op_input make_input(op_kind kind, condition cond, std::string expected,
                    std::string value) {
  return op_input{kind, cond, std::move(expected), std::move(value)};
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string time_text(int64_t t) {
  return t == unknown_return ? "inf" : std::to_string(t);
}

std::string input_text(const std::string& key, const op_input& in) {
  std::string args = key;
  std::string name;
  if (in.kind == op_kind::get) return "get(" + key + ")";
  name = in.kind == op_kind::put ? "put" : "del";
  switch (in.cond) {
    case condition::always: break;
    case condition::if_absent: name += "_if_absent"; break;
    case condition::if_present: name += "_if_present"; break;
    case condition::if_value:
      name += "_if_value";
      args += ", " + quoted(in.expected);
      break;
  }
  if (in.kind == op_kind::put) args += ", " + quoted(in.value);
  return name + "(" + args + ")";
}

std::string output_text(const operation& op) {
  if (!op.output) return "?";
  if (op.input.kind == op_kind::get) {
    return op.output->read ? quoted(*op.output->read) : "absent";
  }
  return op.output->applied ? "ok" : "failed";
}

}  // namespace

op_input get() { return make_input(op_kind::get, condition::always, {}, {}); }
op_input put(std::string value) {
  return make_input(op_kind::put, condition::always, {}, std::move(value));
}
op_input put_if_absent(std::string value) {
  return make_input(op_kind::put, condition::if_absent, {}, std::move(value));
}
op_input put_if_present(std::string value) {
  return make_input(op_kind::put, condition::if_present, {}, std::move(value));
}
op_input put_if_value(std::string expected, std::string value) {
  return make_input(op_kind::put, condition::if_value, std::move(expected),
                    std::move(value));
}
op_input del() { return make_input(op_kind::del, condition::always, {}, {}); }
op_input del_if_present() {
  return make_input(op_kind::del, condition::if_present, {}, {});
}
op_input del_if_value(std::string expected) {
  return make_input(op_kind::del, condition::if_value, std::move(expected), {});
}

op_output read_value(std::string value) { return op_output{std::move(value), true}; }
op_output read_absent() { return op_output{std::nullopt, true}; }
op_output write_ok() { return op_output{std::nullopt, true}; }
op_output write_failed() { return op_output{std::nullopt, false}; }

std::string to_string(const operation& op) {
  return "c" + std::to_string(op.client.value) + " [" +
         time_text(op.invoke_time) + "," +
         time_text(op.outcome_known() ? op.return_time : unknown_return) +
         "] " + input_text(op.key, op.input) + " -> " + output_text(op);
}

}  // namespace ropekv::lin
