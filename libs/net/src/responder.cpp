#include "ropekv/net/responder.hpp"

#include "ropekv/net/http_error.hpp"

namespace ropekv::net {
namespace {

class function_sink final : public response_sink {
 public:
  explicit function_sink(std::function<void(http_response)> fn) : fn_(std::move(fn)) {}
  void deliver(uint64_t, http_response response) override {
    if (fn_) fn_(std::move(response));
  }

 private:
  std::function<void(http_response)> fn_;
};

}  // namespace

responder::responder(responder&& other) noexcept
    : sink_(std::move(other.sink_)), seq_(other.seq_) {}

responder& responder::operator=(responder&& other) noexcept {
  if (this != &other) {
    if (sink_) {
      // Overwriting an unanswered responder: answer it, as the destructor would.
      auto sink = std::move(sink_);
      sink->deliver(seq_, error_response(http_error::from(errc::internal, "handler dropped the request")));
    }
    sink_ = std::move(other.sink_);
    seq_ = other.seq_;
  }
  return *this;
}

responder::~responder() {
  if (sink_) {
    auto sink = std::move(sink_);
    sink->deliver(seq_, error_response(http_error::from(errc::internal, "handler dropped the request")));
  }
}

void responder::operator()(http_response response) {
  if (!sink_) return;
  auto sink = std::move(sink_);  // empty before delivering: re-entrancy safe
  sink->deliver(seq_, std::move(response));
}

responder responder::to_function(std::function<void(http_response)> fn) {
  return responder(std::make_shared<function_sink>(std::move(fn)), 0);
}

}  // namespace ropekv::net
