#include "batch_sender.hpp"

#include "exit_codes.hpp"
#include "output_formatter.hpp"
#include "runner_output.hpp"

namespace ropekv::ctl {
namespace {

std::string member_text(const json_value* object, std::string_view key) {
  const json_value* v = object ? object->find(key) : nullptr;
  return v ? v->to_display() : "";
}

void fail_all(const load_batch& batch, batch_outcome& out, unsigned status, const std::string& code,
              const std::string& message) {
  for (uint64_t line : batch.lines) out.failures.push_back({line, status, code, message});
}

}  // namespace

bool has_retryable_op(const http_reply& reply) {
  if (!is_success(reply.status)) return false;
  auto doc = json_value::parse(reply.body);
  const json_value* results = doc ? doc->find("results") : nullptr;
  if (!results || !results->is_array()) return false;
  for (const auto& r : results->elements()) {
    const json_value* s = r.find("status");
    auto status = s ? s->as_uint64() : std::nullopt;
    if (status && is_retryable_status(static_cast<unsigned>(*status))) return true;
  }
  return false;
}

batch_outcome read_batch_reply(const load_batch& batch, const http_reply& reply) {
  batch_outcome out;
  if (!is_success(reply.status)) {
    auto doc = json_value::parse(reply.body);
    const json_value* e = doc ? doc->find("error") : nullptr;
    std::string code = e ? member_text(e, "code") : "http_" + std::to_string(reply.status);
    fail_all(batch, out, reply.status, code, e ? member_text(e, "message") : format_error(reply.status, reply.body));
    int exit = exit_code_for_reply(reply.status, reply.body);
    if (exit == exit_not_found || exit == exit_denied || exit == exit_unavailable) {
      out.fatal_exit = exit;
      out.fatal_message = format_error(reply.status, reply.body);
    }
    return out;
  }
  auto doc = json_value::parse(reply.body);
  const json_value* results = doc ? doc->find("results") : nullptr;
  if (!results || !results->is_array() || results->elements().size() != batch.lines.size()) {
    fail_all(batch, out, reply.status, "internal", "the router's batch answer does not have one result per op");
    return out;
  }
  for (size_t i = 0; i < batch.lines.size(); ++i) {
    const json_value& r = results->elements()[i];
    const json_value* s = r.find("status");
    auto status = s ? s->as_uint64().value_or(0) : 0;
    if (is_success(static_cast<unsigned>(status))) {
      ++out.written;
      continue;
    }
    const json_value* e = r.find("error");
    out.failures.push_back({batch.lines[i], static_cast<unsigned>(status), member_text(e, "code"),
                            member_text(e, "message")});
  }
  return out;
}

batch_outcome send_batch(const load_batch& batch, const std::string& target, const fetch_fn& fetch,
                         const retry_policy& policy, const sleep_fn& sleep) {
  api_call call{"POST", target, batch.body};
  auto sent = send_with_retry(call, fetch, policy, sleep, has_retryable_op);
  batch_outcome out;
  if (!sent.reply) {
    const error& e = sent.reply.error();
    std::string code = e.code == errc::timeout ? "timeout" : "unavailable";
    fail_all(batch, out, 0, code, e.message);
    out.fatal_exit = exit_code_for(e);
    out.fatal_message = "error: " + code + ": " + e.message;
  } else {
    out = read_batch_reply(batch, *sent.reply);
  }
  out.retries = sent.retries;
  return out;
}

}  // namespace ropekv::ctl
