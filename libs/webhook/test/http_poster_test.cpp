#include "ropekv/webhook/http_poster.hpp"

#include <gtest/gtest.h>

#include <random>

#include "loopback_receiver.hpp"
#include "ropekv/webhook/retry_schedule.hpp"

namespace ropekv::webhook {
namespace {

using namespace std::chrono_literals;
using test::loopback_receiver;
using test::scripted_response;
using script = std::vector<scripted_response>;

scripted_response reply(unsigned status, std::vector<std::pair<std::string, std::string>> headers = {},
                        std::string body = {}) {
  scripted_response r;
  r.status = status;
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

scripted_response never_answer() {
  scripted_response r;
  r.never_answer = true;
  return r;
}

constexpr std::string_view key_text = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr std::string_view event_id = "3:1042:7";
constexpr std::string_view body = R"({"type":"create","table":"users","partition":3,"version":1042})";

secret test_key() { return secret::parse(key_text).value(); }

http_poster make_poster(poster_options opts = {}) {
  auto p = http_poster::create(std::move(opts));
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return std::move(p).value();
}

hook_url url_of(std::string_view text) { return parse_hook_url(text).value(); }

std::string local_url(uint16_t port, std::string_view path = "/hooks/in", std::string_view scheme = "http",
                      std::string_view host = "127.0.0.1") {
  return std::string(scheme) + "://" + std::string(host) + ":" + std::to_string(port) + std::string(path);
}

// Checks the Standard Webhooks headers and that the signature verifies over
// the bytes the receiver got.
void expect_signed_request(const test::received_request& r, int64_t ts, const secret& key) {
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/hooks/in");
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  EXPECT_EQ(r.headers.at("user-agent"), "RopeKV-Webhooks/1");
  EXPECT_EQ(r.headers.at("content-length"), std::to_string(body.size()));
  EXPECT_EQ(r.headers.at("webhook-id"), event_id);
  EXPECT_EQ(r.headers.at("webhook-timestamp"), std::to_string(ts));
  EXPECT_TRUE(verify(r.headers.at("webhook-signature"), r.headers.at("webhook-id"), r.headers.at("webhook-timestamp"),
                     r.body, key, ts));
}

TEST(HttpPoster, RetriesAfter500AndSignsEachAttempt) {
  loopback_receiver rx(script{reply(500, {}, "database down"), reply(204)});
  auto poster = make_poster();
  auto key = test_key();
  auto url = url_of(local_url(rx.port()));

  auto first = poster.post(url, {event_id, body, 1700000000}, key);
  EXPECT_EQ(first.status, 500u);
  EXPECT_FALSE(first.delivered());
  EXPECT_NE(first.error.find("HTTP 500"), std::string::npos) << first.error;
  EXPECT_NE(first.error.find("database down"), std::string::npos) << first.error;

  auto second = poster.post(url, {event_id, body, 1700000005}, key);
  EXPECT_EQ(second.status, 204u);
  EXPECT_TRUE(second.delivered());
  EXPECT_EQ(second.error, "");
  EXPECT_FALSE(second.retry_after_s.has_value());

  auto got = rx.requests();
  ASSERT_EQ(got.size(), 2u);
  expect_signed_request(got[0], 1700000000, key);
  expect_signed_request(got[1], 1700000005, key);
  EXPECT_EQ(got[0].headers.at("host"), "127.0.0.1:" + std::to_string(rx.port()));
  // Same id across retries, a fresh timestamp and therefore signature.
  EXPECT_EQ(got[0].headers.at("webhook-id"), got[1].headers.at("webhook-id"));
  EXPECT_NE(got[0].headers.at("webhook-signature"), got[1].headers.at("webhook-signature"));
  // A signature for one attempt does not verify another's timestamp.
  EXPECT_FALSE(verify(got[0].headers.at("webhook-signature"), got[1].headers.at("webhook-id"),
                      got[1].headers.at("webhook-timestamp"), got[1].body, key, 1700000005));
}

TEST(HttpPoster, SignsWithEveryKeyDuringRotation) {
  loopback_receiver rx(script{reply(200)});
  auto poster = make_poster();
  std::vector<secret> keys{test_key(), secret::generate().value()};
  auto res = poster.post(url_of(local_url(rx.port())), {event_id, body, 1700000000}, keys);
  EXPECT_TRUE(res.delivered()) << res.error;
  auto got = rx.requests();
  ASSERT_EQ(got.size(), 1u);
  const auto& sig = got[0].headers.at("webhook-signature");
  EXPECT_NE(sig.find(' '), std::string::npos);
  for (const auto& k : keys) expect_signed_request(got[0], 1700000000, k);
}

TEST(HttpPoster, ReceiverThatNeverAnswersTimesOut) {
  loopback_receiver rx(script{never_answer()});
  poster_options opts;
  opts.timeout = 300ms;
  auto poster = make_poster(opts);
  auto res = poster.post(url_of(local_url(rx.port())), {event_id, body, 1700000000}, test_key());
  EXPECT_EQ(res.status, 0u);
  EXPECT_FALSE(res.delivered());
  EXPECT_NE(res.error.find("timed out"), std::string::npos) << res.error;
  EXPECT_EQ(rx.requests().size(), 1u);  // it was sent, just never answered
}

TEST(HttpPoster, ConnectionRefused) {
  auto poster = make_poster();
  auto res = poster.post(url_of(local_url(test::unused_port())), {event_id, body, 1700000000}, test_key());
  EXPECT_EQ(res.status, 0u);
  EXPECT_FALSE(res.delivered());
  EXPECT_NE(res.error.find("connect"), std::string::npos) << res.error;
}

TEST(HttpPoster, UnresolvableHost) {
  auto poster = make_poster();
  auto res = poster.post(url_of("http://no-such-host.invalid/x"), {event_id, body, 1700000000}, test_key());
  EXPECT_EQ(res.status, 0u);
  EXPECT_NE(res.error.find("resolve"), std::string::npos) << res.error;
}

TEST(HttpPoster, TooManyRequestsCarriesRetryAfter) {
  loopback_receiver rx(
      script{reply(429, {{"Retry-After", "120"}}), reply(503, {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}})});
  auto poster = make_poster();
  auto url = url_of(local_url(rx.port()));
  auto res = poster.post(url, {event_id, body, 1700000000}, test_key());
  EXPECT_EQ(res.status, 429u);
  EXPECT_FALSE(res.delivered());
  ASSERT_TRUE(res.retry_after_s.has_value());
  EXPECT_EQ(*res.retry_after_s, 120);

  // What the notifier does with it: the next attempt waits at least 120 s.
  std::mt19937_64 rng(1);
  auto delay = retry_schedule().delay_before(2, rng, {res.status, res.retry_after_s});
  ASSERT_TRUE(delay.has_value());
  EXPECT_GE(*delay, 120s);

  auto dated = poster.post(url, {event_id, body, 1700000001}, test_key());
  EXPECT_EQ(dated.status, 503u);
  EXPECT_FALSE(dated.retry_after_s.has_value());  // HTTP-date form is ignored
}

TEST(HttpPoster, RedirectIsAFailure) {
  loopback_receiver rx(script{reply(302, {{"Location", "http://elsewhere/"}})});
  auto poster = make_poster();
  auto res = poster.post(url_of(local_url(rx.port())), {event_id, body, 1700000000}, test_key());
  EXPECT_EQ(res.status, 302u);
  EXPECT_FALSE(res.delivered());
  EXPECT_NE(res.error.find("redirect"), std::string::npos) << res.error;
  EXPECT_NE(res.error.find("http://elsewhere/"), std::string::npos) << res.error;
  EXPECT_EQ(rx.requests().size(), 1u);
}

TEST(HttpPoster, RefusesUnsafeIdsWithoutSending) {
  auto poster = make_poster();
  // Nothing listens: a request would fail with "connect", not this.
  auto url = url_of(local_url(test::unused_port()));
  auto res = poster.post(url, {"a\r\nx-injected: 1", body, 1700000000}, test_key());
  EXPECT_EQ(res.status, 0u);
  EXPECT_NE(res.error.find("webhook id"), std::string::npos) << res.error;
  res = poster.post(url, {"", body, 1700000000}, test_key());
  EXPECT_NE(res.error.find("webhook id"), std::string::npos) << res.error;
  res = poster.post(url, {event_id, body, 1700000000}, std::span<const secret>());
  EXPECT_NE(res.error.find("secret"), std::string::npos) << res.error;
}

TEST(HttpPoster, BadExtraCaIsAnError) {
  poster_options opts;
  opts.extra_ca_pem = "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n";
  auto p = http_poster::create(opts);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, errc::invalid_argument);
}

// ------------------------------------------------------------------ HTTPS

class HttpsPoster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cert_ = new test::test_certificate(test::make_test_certificate({"DNS:localhost", "IP:127.0.0.1"}));
  }
  static void TearDownTestSuite() {
    delete cert_;
    cert_ = nullptr;
  }
  static http_poster trusting_poster() {
    poster_options opts;
    opts.use_system_ca = false;
    opts.extra_ca_pem = cert_->cert_pem;
    return make_poster(opts);
  }
  static inline test::test_certificate* cert_ = nullptr;
};

TEST_F(HttpsPoster, DeliversToATrustedIpAddress) {
  loopback_receiver rx(script{reply(204)}, cert_);
  auto res = trusting_poster().post(url_of(local_url(rx.port(), "/hooks/in", "https")),
                                    {event_id, body, 1700000000}, test_key());
  EXPECT_EQ(res.status, 204u) << res.error;
  auto got = rx.requests();
  ASSERT_EQ(got.size(), 1u);
  expect_signed_request(got[0], 1700000000, test_key());
  EXPECT_EQ(got[0].sni, "");  // no SNI for an address
}

TEST_F(HttpsPoster, DeliversToATrustedHostNameWithSni) {
  loopback_receiver rx(script{reply(200)}, cert_);
  auto res = trusting_poster().post(url_of(local_url(rx.port(), "/hooks/in", "https", "localhost")),
                                    {event_id, body, 1700000000}, test_key());
  if (res.status == 0 && res.error.find("connect") != std::string::npos)
    GTEST_SKIP() << "localhost does not resolve to 127.0.0.1 here: " << res.error;
  EXPECT_EQ(res.status, 200u) << res.error;
  auto got = rx.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].sni, "localhost");
  EXPECT_EQ(got[0].headers.at("host"), "localhost:" + std::to_string(rx.port()));
}

TEST_F(HttpsPoster, UntrustedCertificateFails) {
  loopback_receiver rx(script{reply(204)}, cert_);
  poster_options opts;  // system CAs only: the test certificate is unknown
  auto res = make_poster(opts).post(url_of(local_url(rx.port(), "/hooks/in", "https")),
                                    {event_id, body, 1700000000}, test_key());
  EXPECT_EQ(res.status, 0u);
  EXPECT_NE(res.error.find("TLS handshake"), std::string::npos) << res.error;
  EXPECT_TRUE(rx.requests().empty());
}

TEST_F(HttpsPoster, CertificateForAnotherNameFails) {
  auto other = test::make_test_certificate({"DNS:other.example"});
  loopback_receiver rx(script{reply(204)}, &other);
  poster_options opts;
  opts.use_system_ca = false;
  opts.extra_ca_pem = other.cert_pem;  // trusted, but not for 127.0.0.1
  auto res = make_poster(opts).post(url_of(local_url(rx.port(), "/hooks/in", "https")),
                                    {event_id, body, 1700000000}, test_key());
  EXPECT_EQ(res.status, 0u);
  EXPECT_NE(res.error.find("TLS handshake"), std::string::npos) << res.error;
  EXPECT_TRUE(rx.requests().empty());
}

TEST_F(HttpsPoster, PlainHttpServerAnsweringTlsFails) {
  loopback_receiver rx(script{reply(204)});  // plain HTTP
  poster_options opts;
  opts.timeout = 2s;
  auto res = trusting_poster().post(url_of(local_url(rx.port(), "/hooks/in", "https")),
                                    {event_id, body, 1700000000}, test_key());
  EXPECT_EQ(res.status, 0u);
  EXPECT_FALSE(res.error.empty());
}

}  // namespace
}  // namespace ropekv::webhook
