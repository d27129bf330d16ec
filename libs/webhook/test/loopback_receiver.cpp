#include "loopback_receiver.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <stdexcept>

namespace ropekv::webhook::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// ------------------------------------------------------------ certificate

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

void add_ext(X509* x, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) throw std::runtime_error("bad extension " + value);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
}

}  // namespace

test_certificate make_test_certificate(const std::vector<std::string>& alt_names) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("ropekv test"), -1,
                             -1, 0);
  X509_set_issuer_name(x, name);
  add_ext(x, NID_basic_constraints, "critical,CA:TRUE");
  std::string sans;
  for (const auto& n : alt_names) sans += (sans.empty() ? "" : ",") + n;
  add_ext(x, NID_subject_alt_name, sans);
  if (X509_sign(x, key, EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");

  test_certificate out;
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x);
  out.cert_pem = bio_text(cert_bio);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bio_text(key_bio);
  BIO_free(key_bio);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

// --------------------------------------------------------------- receiver

struct loopback_receiver::state {
  // Declared before ioc: suspended coroutines that ioc's destructor destroys
  // still refer to them.
  std::optional<asio::ssl::context> tls;
  std::vector<scripted_response> script;
  mutable std::mutex mu;
  std::vector<received_request> received;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};

  void record(const http::request<http::string_body>& req, std::string sni) {
    received_request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(f.value());
    }
    r.body = req.body();
    r.sni = std::move(sni);
    std::lock_guard lock(mu);
    received.push_back(std::move(r));
  }

  template <class Stream>
  asio::awaitable<void> answer(Stream& stream, const scripted_response& step, std::string sni) {
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    co_await http::async_read(stream, buffer, req, asio::use_awaitable);
    record(req, std::move(sni));
    if (step.never_answer) {
      // Hold the connection until the client gives up and closes it.
      char byte;
      co_await beast::get_lowest_layer(stream).socket().async_read_some(asio::buffer(&byte, 1), asio::use_awaitable);
      co_return;
    }
    http::response<http::string_body> res{static_cast<http::status>(step.status), 11};
    for (const auto& [k, v] : step.headers) res.set(k, v);
    res.body() = step.body;
    res.keep_alive(false);
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::use_awaitable);
  }

  asio::awaitable<void> serve() {
    for (const auto& step : script) {
      tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
      try {
        if (!tls) {
          beast::tcp_stream stream(std::move(socket));
          co_await answer(stream, step, {});
        } else {
          beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
          co_await stream.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
          const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
          co_await answer(stream, step, sni != nullptr ? sni : "");
        }
      } catch (const boost::system::system_error&) {
        // The client hung up or failed the handshake: next scripted step.
      }
    }
  }
};

loopback_receiver::loopback_receiver(std::vector<scripted_response> script, const test_certificate* tls)
    : state_(std::make_shared<state>()) {
  auto& s = *state_;
  s.script = std::move(script);
  if (tls != nullptr) {
    s.tls.emplace(asio::ssl::context::tls_server);
    s.tls->use_certificate_chain(asio::buffer(tls->cert_pem));
    s.tls->use_private_key(asio::buffer(tls->key_pem), asio::ssl::context::pem);
  }
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  s.acceptor.open(ep.protocol());
  s.acceptor.set_option(tcp::acceptor::reuse_address(true));
  s.acceptor.bind(ep);
  s.acceptor.listen();
  port_ = s.acceptor.local_endpoint().port();
  asio::co_spawn(s.ioc, s.serve(), asio::detached);
  thread_ = std::thread([st = state_] { st->ioc.run(); });
}

loopback_receiver::~loopback_receiver() {
  state_->ioc.stop();
  thread_.join();
}

std::vector<received_request> loopback_receiver::requests() const {
  std::lock_guard lock(state_->mu);
  return state_->received;
}

uint16_t unused_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

}  // namespace ropekv::webhook::test
