#include "ropekv/webhook/signature.hpp"

#include <gtest/gtest.h>

#include "ropekv/common/base64.hpp"

namespace ropekv::webhook {
namespace {

// Vector 1, computed independently when this test was written:
//   /usr/bin/python3 -c 'import hmac,hashlib,base64; k=bytes(range(32));
//     print(base64.b64encode(k));
//     print(base64.b64encode(hmac.new(k, b"3:1042:7.1700000000." +
//       b"{\"type\":\"create\",\"table\":\"users\",\"key\":\"alice\"}",
//       hashlib.sha256).digest()))'
constexpr std::string_view v1_secret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr std::string_view v1_id = "3:1042:7";
constexpr int64_t v1_ts = 1700000000;
constexpr std::string_view v1_body = R"({"type":"create","table":"users","key":"alice"})";
constexpr std::string_view v1_sig = "v1,O8MvZYSPpQqJem51PV7TGBC0pwlEhaJf9eeAiZvT1Gs=";

// Vector 2: the example message of the Standard Webhooks spec, likewise
// recomputed with python's hmac/hashlib (24-byte key).
constexpr std::string_view v2_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view v2_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t v2_ts = 1614265330;
constexpr std::string_view v2_body = R"({"test": 2432232314})";
constexpr std::string_view v2_sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

secret parse_ok(std::string_view text) {
  auto s = secret::parse(text);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s).value();
}

TEST(Secret, ParsesAndPrintsBack) {
  auto s = parse_ok(v1_secret);
  EXPECT_EQ(s.key().size(), 32u);
  EXPECT_EQ(s.key()[0], '\x00');
  EXPECT_EQ(s.key()[31], '\x1f');
  EXPECT_EQ(s.to_string(), v1_secret);
}

TEST(Secret, RejectsBadTexts) {
  EXPECT_FALSE(secret::parse(""));
  EXPECT_FALSE(secret::parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"));  // no prefix
  EXPECT_FALSE(secret::parse("whsec"));
  EXPECT_FALSE(secret::parse("whsec_"));
  EXPECT_FALSE(secret::parse("WHSEC_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX"));
  EXPECT_FALSE(secret::parse("whsec_not base64!"));
  // 23 bytes: too short; 24 bytes: fine.
  EXPECT_FALSE(secret::parse("whsec_" + base64_encode(std::string(23, 'k'), base64_alphabet::standard)));
  EXPECT_TRUE(secret::parse("whsec_" + base64_encode(std::string(24, 'k'), base64_alphabet::standard)));
  EXPECT_TRUE(secret::parse("whsec_" + base64_encode(std::string(64, 'k'), base64_alphabet::standard)));
  EXPECT_FALSE(secret::parse("whsec_" + base64_encode(std::string(65, 'k'), base64_alphabet::standard)));
  auto err = secret::parse("whsec_" + base64_encode(std::string(10, 'k'), base64_alphabet::standard));
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, errc::invalid_argument);
}

TEST(Secret, GeneratesValidDistinctSecrets) {
  auto a = generate_secret();
  auto b = generate_secret();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  auto pa = parse_ok(*a);
  EXPECT_EQ(pa.key().size(), default_secret_bytes);
  auto small = secret::generate(1);  // clamped up to the minimum
  ASSERT_TRUE(small);
  EXPECT_EQ(small->key().size(), min_secret_bytes);
  auto big = secret::generate(1000);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->key().size(), max_secret_bytes);
}

TEST(Sign, MatchesIndependentVectors) {
  EXPECT_EQ(sign(v1_id, v1_ts, v1_body, parse_ok(v1_secret)), v1_sig);
  EXPECT_EQ(sign(v2_id, v2_ts, v2_body, parse_ok(v2_secret)), v2_sig);
}

TEST(Verify, AcceptsTheVectorWithinTolerance) {
  auto key = parse_ok(v1_secret);
  EXPECT_TRUE(verify(v1_sig, v1_id, "1700000000", v1_body, key, v1_ts));
  EXPECT_TRUE(verify(v1_sig, v1_id, "1700000000", v1_body, key, v1_ts + 300));
  EXPECT_TRUE(verify(v1_sig, v1_id, "1700000000", v1_body, key, v1_ts - 300));
  EXPECT_FALSE(verify(v1_sig, v1_id, "1700000000", v1_body, key, v1_ts + 301));
  EXPECT_FALSE(verify(v1_sig, v1_id, "1700000000", v1_body, key, v1_ts - 301));
  EXPECT_TRUE(verify(v1_sig, v1_id, "1700000000", v1_body, key, v1_ts + 1000, 1000));
}

TEST(Verify, RejectsTampering) {
  auto key = parse_ok(v1_secret);
  const std::string body(v1_body);
  auto ok = [&](std::string_view sig, std::string_view id, std::string_view ts, std::string_view b,
                const secret& k) { return verify(sig, id, ts, b, k, v1_ts); };
  ASSERT_TRUE(ok(v1_sig, v1_id, "1700000000", body, key));

  std::string flipped = body;
  flipped[10] ^= 1;
  EXPECT_FALSE(ok(v1_sig, v1_id, "1700000000", flipped, key));           // body byte
  EXPECT_FALSE(ok(v1_sig, v1_id, "1700000000", body + " ", key));        // re-serialised body
  EXPECT_FALSE(ok(v1_sig, "3:1042:8", "1700000000", body, key));         // id
  EXPECT_FALSE(ok(v1_sig, v1_id, "1700000001", body, key));              // timestamp
  EXPECT_FALSE(ok(v1_sig, v1_id, "01700000000", body, key));             // same number, other bytes
  EXPECT_FALSE(ok(v1_sig, v1_id, "1700000000", body, parse_ok(v2_secret)));  // other secret

  std::string bad_sig(v1_sig);
  bad_sig[5] = bad_sig[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(ok(bad_sig, v1_id, "1700000000", body, key));
  EXPECT_FALSE(ok("v2" + std::string(v1_sig.substr(2)), v1_id, "1700000000", body, key));  // scheme
  EXPECT_FALSE(ok(v1_sig.substr(3), v1_id, "1700000000", body, key));   // no "v1,"
  EXPECT_FALSE(ok("", v1_id, "1700000000", body, key));
  EXPECT_FALSE(ok(v1_sig, v1_id, "", body, key));
  EXPECT_FALSE(ok(v1_sig, v1_id, "17e8", body, key));
  EXPECT_FALSE(ok(v1_sig, v1_id, "+1700000000", body, key));
}

TEST(Verify, AcceptsAnyEntryOfASpaceSeparatedList) {
  auto key = parse_ok(v1_secret);
  auto other = parse_ok(v2_secret);
  std::string rotated = sign(v1_id, v1_ts, v1_body, other) + " " + std::string(v1_sig);
  EXPECT_TRUE(verify(rotated, v1_id, "1700000000", v1_body, key, v1_ts));
  EXPECT_TRUE(verify(rotated, v1_id, "1700000000", v1_body, other, v1_ts));
  // Unknown schemes and garbage entries are skipped.
  std::string mixed = "v1a,AAAA  garbage " + std::string(v1_sig);
  EXPECT_TRUE(verify(mixed, v1_id, "1700000000", v1_body, key, v1_ts));
  EXPECT_FALSE(verify("v1a,AAAA garbage", v1_id, "1700000000", v1_body, key, v1_ts));
}

TEST(Verify, SignThenVerifyWithAGeneratedSecret) {
  auto key = secret::generate();
  ASSERT_TRUE(key);
  std::string body = std::string("binary\0body\xff", 12);
  auto sig = sign("id-1", 42, body, *key);
  EXPECT_TRUE(verify(sig, "id-1", "42", body, *key, 42));
}

}  // namespace
}  // namespace ropekv::webhook
