#pragma once
// The web console (docs/console.md): the static files of services/router/console/,
// embedded into the binary at build time (console/embed_assets.cmake generates
// console_assets.cpp), served at GET / and GET /console/{file}; and the
// ETag / If-None-Match revalidation of the JSON routes the console polls.
//
// Pure functions over net::http_response: no CAF, no I/O, safe from any thread.
// Invariants: every embedded file has a non-empty name and a strong ETag
// computed from its bytes; a 304 never carries a body.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ropekv/net/api_request.hpp"
#include "ropekv/net/http_message.hpp"
#include "ropekv/net/responder.hpp"

namespace ropekv::router {

/// One file built into the binary.
struct embedded_file {
  std::string_view name;   // "index.html", "console.js", ...
  std::string_view bytes;  // the file's contents, verbatim
};

/// Every embedded console file (defined in the generated console_assets.cpp).
std::span<const embedded_file> embedded_console_files() noexcept;

/// The Content-Type served for a file name, by its extension
/// (application/octet-stream when unknown).
std::string_view console_content_type(std::string_view name) noexcept;

/// GET / (`name` empty: index.html) and GET /console/{name}: 200 with the file,
/// its ETag and Cache-Control: no-cache; 304 when `if_none_match` names the
/// ETag; 404 `not_found` (JSON error) for a name that is not embedded.
net::http_response console_response(std::string_view name,
                                    std::optional<std::string_view> if_none_match);

/// A strong ETag of `body`: a quoted 16-hex-digit FNV-1a 64 hash. The same
/// body gives the same tag in every router process.
std::string body_etag(std::string_view body);

/// If-None-Match against `etag` (RFC 9110 §13.1.2): "*", a comma-separated
/// list, weak comparison (a W/ prefix on either side is ignored).
bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept;

/// For a 200 response: adds ETag (of the body) and Cache-Control: no-cache,
/// then turns it into a 304 without a body when `if_none_match` matches.
/// Other statuses pass unchanged (errors are never cached).
void revalidate(net::http_response& response, std::optional<std::string_view> if_none_match);

/// The GET routes answered with an ETag (and 304 on If-None-Match): what the
/// console polls, GET /v1/cluster, /v1/tables, /v1/tables/{t}/indexes, /v1/hooks.
bool revalidated_route(net::api_kind kind) noexcept;

/// `respond`, with revalidate() applied to the response it is given.
net::responder revalidating(net::responder respond, std::optional<std::string> if_none_match);

}  // namespace ropekv::router
