#include "unsafe_ack.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

namespace ropekv::segment_owner {

unsafe_ack_request take_unsafe_ack_flag(int& argc, char** argv) {
  unsafe_ack_request out;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], unsafe_ack_flag) == 0) {
      out.enabled = true;
      continue;
    }
    argv[kept++] = argv[i];
  }
  argc = kept;
  argv[argc] = nullptr;
  const char* test_only = std::getenv("ROPEKV_TEST_ONLY");
  if (out.enabled && (test_only == nullptr || std::strcmp(test_only, "1") != 0))
    out.refusal = std::string(unsafe_ack_flag) + " loses acknowledged writes; it exists for tests/chaos only and "
                  "needs ROPEKV_TEST_ONLY=1";
  return out;
}

std::optional<pb::WriteReply> unsafe_ack_before_commit(owner_pointer self, pb::WriteRequest& req) {
  auto& st = self->state;
  if (!st.opts.unsafe_ack_before_commit || !req.mutation().has_put()) return std::nullopt;
  route r = st.core.route_request(req.routing(), load_kind::write);
  auto it = r.what == route::kind::forward ? st.actors.find(r.group.value) : st.actors.end();
  if (it == st.actors.end()) return std::nullopt;
  if (r.clear_epoch) req.mutable_routing()->set_epoch(0);
  req.mutable_routing()->set_forwarded_ns(segment::forwarded_stamp());
  self->request(it->second, std::chrono::seconds(10), std::move(req))
      .then([](pb::WriteReply&) {}, [](caf::error&) {});
  pb::WriteReply early;
  early.mutable_status()->set_error_code(0);
  auto now = std::chrono::system_clock::now().time_since_epoch();
  early.mutable_result()->set_version(
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()));
  spdlog::debug("event=unsafe_early_ack group={}", r.group.value);
  return early;
}

}  // namespace ropekv::segment_owner
