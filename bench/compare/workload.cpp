#include "workload.hpp"

namespace ropekv::bench {

namespace {
std::string excerpt(const std::string& s) {
  return s.size() <= 200 ? s : s.substr(0, 200) + "...";
}
}  // namespace

std::optional<std::string> check_http(const op_spec& op, int status, const std::string& body) {
  if (status != op.expect_status)
    return "status " + std::to_string(status) + " (expected " + std::to_string(op.expect_status) +
           "): " + excerpt(body);
  if (!op.expect_body.empty() && body.find(op.expect_body) == std::string::npos)
    return "body lacks expected text: " + excerpt(body);
  if (!op.reject_body.empty() && body.find(op.reject_body) != std::string::npos)
    return "body has rejected text: " + excerpt(body);
  return std::nullopt;
}

std::optional<std::string> check_resp(const op_spec& op, const resp::reply& r) {
  using resp::kind;
  if (r.type == kind::error) return "error reply: " + excerpt(r.text);
  if (r.type == kind::null_bulk || r.type == kind::null_array) return "null reply";
  if (!op.expect_body.empty() && r.text.find(op.expect_body) == std::string::npos)
    return "reply lacks expected text: " + excerpt(r.text);
  if (!op.reject_body.empty() && r.text.find(op.reject_body) != std::string::npos)
    return "reply has rejected text: " + excerpt(r.text);
  return std::nullopt;
}

std::vector<request_template> resp_argument_templates(const std::string& command) {
  std::vector<request_template> out;
  size_t pos = 0;
  while (pos <= command.size()) {
    size_t sp = command.find(' ', pos);
    if (sp == std::string::npos) sp = command.size();
    if (sp > pos) out.emplace_back(command.substr(pos, sp - pos));
    pos = sp + 1;
  }
  return out;
}

}  // namespace ropekv::bench
