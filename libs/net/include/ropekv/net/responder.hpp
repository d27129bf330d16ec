#pragma once
// responder: the one-shot reply channel a handler gets with each request.
//
// Move-only. It may be invoked later and from any thread (e.g. when a CAF
// reply arrives); nothing blocks waiting for it. The server posts the write
// onto the connection's strand.
//
// Invariants:
//  - at most one response is delivered per responder; calls after the first
//    (or on a moved-from responder) are ignored;
//  - a responder destroyed without having answered delivers 500 `internal`,
//    so a lost reply can never stall a keep-alive connection;
//  - answering after the connection closed or the server stopped is a no-op.
#include <cstdint>
#include <functional>
#include <memory>

#include "ropekv/net/http_message.hpp"

namespace ropekv::net {

/// Where a responder delivers. Implemented by the server's connection; tests
/// and handler unit tests can plug in their own (see responder::to_function).
class response_sink {
 public:
  virtual ~response_sink() = default;
  /// Called exactly once per responder, from any thread.
  virtual void deliver(uint64_t request_seq, http_response response) = 0;
};

class responder {
 public:
  responder() = default;
  responder(std::shared_ptr<response_sink> sink, uint64_t request_seq) noexcept
      : sink_(std::move(sink)), seq_(request_seq) {}
  responder(responder&& other) noexcept;
  responder& operator=(responder&& other) noexcept;
  responder(const responder&) = delete;
  responder& operator=(const responder&) = delete;
  ~responder();

  /// Sends `response`; the responder is empty afterwards.
  void operator()(http_response response);
  void send(http_response response) { (*this)(std::move(response)); }

  /// True until the responder has answered (or was moved from).
  bool pending() const noexcept { return sink_ != nullptr; }

  /// A responder that hands the response to `fn` (for handler tests).
  static responder to_function(std::function<void(http_response)> fn);

 private:
  std::shared_ptr<response_sink> sink_;
  uint64_t seq_ = 0;
};

}  // namespace ropekv::net
