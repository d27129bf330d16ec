// /v1/auth/tokens: create (POST, 201 with the secret, shown this once),
// list (GET) and revoke (DELETE .../{name}), forwarded to placement, which
// stores the hashes and pushes every change to routers and notifiers.
//
// POST body: {"name":"ci-reader", "roles":["read:events"],
//             "expires_in":3600 (seconds, optional), "rate_limit":50 (per second, optional; 0 unlimited)}
#include <rapidjson/document.h>

#include <cmath>

#include "handlers.hpp"
#include "responses.hpp"
#include "ropekv/auth/token_store.hpp"
#include "ropekv/net/json_writer.hpp"

namespace ropekv::router {
namespace {

net::http_error bad(std::string message) {
  return net::http_error::from(errc::invalid_argument, std::move(message));
}

net::http_result<pb::CreateTokenRequest> parse_create(const std::string& json, int64_t now_ms) {
  rapidjson::Document d;
  if (d.Parse(json.data(), json.size()).HasParseError() || !d.IsObject())
    return bad("body must be a JSON object");
  pb::CreateTokenRequest req;
  auto& t = *req.mutable_token();
  bool has_name = false, has_roles = false;
  for (const auto& m : d.GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name == "name") {
      if (!m.value.IsString()) return bad("name must be a string");
      t.set_name(std::string(m.value.GetString(), m.value.GetStringLength()));
      has_name = true;
    } else if (name == "roles") {
      if (!m.value.IsArray()) return bad("roles must be an array of strings");
      for (const auto& r : m.value.GetArray()) {
        if (!r.IsString()) return bad("roles must be an array of strings");
        t.add_roles(std::string(r.GetString(), r.GetStringLength()));
      }
      has_roles = true;
    } else if (name == "expires_in") {
      if (!m.value.IsUint64() || m.value.GetUint64() == 0 || m.value.GetUint64() > net::max_ttl_seconds)
        return bad("expires_in must be a positive number of seconds");
      t.set_expires_ms(now_ms + static_cast<int64_t>(m.value.GetUint64()) * 1000);
    } else if (name == "rate_limit") {
      if (!m.value.IsNumber() || !std::isfinite(m.value.GetDouble()) || m.value.GetDouble() < 0)
        return bad("rate_limit must be a number >= 0 (requests per second; 0: unlimited)");
      t.set_rate_limit(m.value.GetDouble());
    } else {
      return bad("unknown member " + std::string(name) + " (name, roles, expires_in, rate_limit)");
    }
  }
  if (!has_name) return bad("a token needs a name");
  if (!has_roles) return bad("a token needs roles");
  return req;
}

void write_token(net::json_writer& w, const pb::AuthToken& t) {
  w.begin_object().field("name", t.name()).key("roles").begin_array();
  for (const auto& r : t.roles()) w.value(r);
  w.end_array().field("created_ms", t.created_ms());
  if (t.expires_ms() != 0) w.field("expires_ms", t.expires_ms());
  else w.key("expires_ms").null();
  if (t.has_rate_limit()) w.field("rate_limit", t.rate_limit());
  else w.key("rate_limit").null();  // the router's default
  w.end_object();
}

std::string token_body(const pb::TokenReply& r) {
  net::json_writer w;
  write_token(w, r.token());
  if (r.secret().empty()) return w.take();
  // The secret is shown this once: add it to the token's object.
  std::string body = w.take();
  body.pop_back();
  net::json_writer s;
  s.value(r.secret());
  return body + ",\"token\":" + s.take() + "}";
}

std::string tokens_body(const pb::TokensReply& r) {
  net::json_writer w;
  w.begin_object().key("tokens").begin_array();
  for (const auto& t : r.tokens()) write_token(w, t);
  w.end_array().end_object();
  return w.take();
}

template <class Reply, class Render, class Msg>
void ask(request_runtime& rt, unsigned ok_status, Render render, Msg msg) {
  rt.self()
      ->request(rt.link(), rt.bounded(rt.options().admin_timeout), std::move(msg))
      .then(
          [&rt, ok_status, render](Reply& reply) {
            if (rt.expire_if_due()) return;
            if (reply.status().error_code() != 0) return rt.fail(error_of(reply.status()));
            rt.reply_json(ok_status, render(reply));
          },
          [&rt](caf::error& err) {
            if (!rt.expire_if_due())
              rt.fail(net::http_error::from(errc::unavailable, "placement did not answer: " + caf::to_string(err)));
          });
}

}  // namespace

void handle_tokens(request_runtime& rt) {
  const auto& req = rt.request();
  switch (req.kind) {
    case net::api_kind::create_token: {
      const auto* body = std::get_if<net::json_object_text>(&req.body);
      if (!body) return rt.fail(bad("token body missing"));
      auto create = parse_create(body->json, auth::wall_clock_ms());
      if (!create) return rt.fail(create.error());
      return ask<pb::TokenReply>(rt, 201, token_body, std::move(*create));
    }
    case net::api_kind::list_tokens:
      return ask<pb::TokensReply>(rt, 200, tokens_body, pb::ListTokensRequest{});
    case net::api_kind::revoke_token: {
      pb::RevokeTokenRequest revoke;
      revoke.set_name(req.name);
      return ask<pb::TokenReply>(rt, 200, token_body, std::move(revoke));
    }
    default: return rt.fail(net::http_error::from(errc::internal, "not a token route"));
  }
}

}  // namespace ropekv::router
