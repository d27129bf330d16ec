#pragma once
// A webhook receiver for the poster tests: an HTTP(S) server on 127.0.0.1
// (port 0) running on its own thread, answering one scripted response per
// accepted connection, in order, and recording what it received.
//
// The destructor stops the server (io_context::stop) and joins the thread,
// so a test never waits on a client that did not come.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ropekv::webhook::test {

/// A self-signed certificate (also its own CA) and its key, PEM.
struct test_certificate {
  std::string cert_pem;
  std::string key_pem;
};

/// Generates an EC P-256 certificate with these subjectAltNames, e.g.
/// {"DNS:localhost", "IP:127.0.0.1"}.
test_certificate make_test_certificate(const std::vector<std::string>& alt_names);

struct scripted_response {
  unsigned status = 204;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Read the request, then send nothing until the client hangs up.
  bool never_answer = false;
};

struct received_request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string sni;  // TLS server name the client sent (empty: none / plain HTTP)
};

class loopback_receiver {
 public:
  /// Plain HTTP when `tls` is null.
  explicit loopback_receiver(std::vector<scripted_response> script, const test_certificate* tls = nullptr);
  ~loopback_receiver();
  loopback_receiver(const loopback_receiver&) = delete;
  loopback_receiver& operator=(const loopback_receiver&) = delete;

  uint16_t port() const { return port_; }
  /// Requests received so far (complete ones; recorded before answering).
  std::vector<received_request> requests() const;

 private:
  struct state;
  std::shared_ptr<state> state_;
  uint16_t port_ = 0;
  std::thread thread_;
};

/// A loopback port with nothing listening (bound, then closed).
uint16_t unused_port();

}  // namespace ropekv::webhook::test
