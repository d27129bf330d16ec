#pragma once
// request_builder: command -> the HTTP request of the v1 API (DESIGN §8).
// Pure: no I/O, so every subcommand's request is unit-tested byte for byte.
//
// Encoding rules (why): keys are arbitrary bytes, and the router splits the
// path on '/' before percent-decoding, so every byte outside RFC 3986
// "unreserved" is sent as %XX -- including '/', '%', '+', NUL and non-ASCII.
// Query values use the same encoding; since '+' becomes %2B it can never be
// read as a space. Parameters are emitted in a fixed order so that requests
// are reproducible.
#include <string>
#include <string_view>

#include "command.hpp"

namespace ropekv::ctl {

struct api_call {
  std::string method;  // "GET", "PUT", "DELETE", "POST"
  std::string target;  // origin-form below the router's base, e.g. "/v1/tables"
  std::string body;    // JSON text; empty: none

  bool operator==(const api_call&) const = default;
};

/// The request for `cmd`. For put, cmd.item must already hold the item text
/// (for transact, cmd.transaction the request);
/// for hooks put, cmd.hook.secret the secret. Not for watch (a WebSocket).
api_call build_request(const command& cmd);

/// The same request for the page after `cursor`: `call` with its cursor
/// parameter replaced (or appended). Only meaningful for query and scan.
api_call with_cursor(const api_call& call, std::string_view cursor);

}  // namespace ropekv::ctl
