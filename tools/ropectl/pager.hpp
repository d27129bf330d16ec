#pragma once
// pager: cursor following for query and scan (`--all`).
//
// Pure apart from the injected fetch function, so the loop is unit-tested
// against a scripted sequence of pages. Contract:
//  - requests `first`; hands each 2xx page to `on_page` in order;
//  - with `follow`, requests the page after a non-empty cursor
//    (with_cursor) until a page has none; a page may hold no items and still
//    carry a cursor (the store stops at segment ends), so emptiness of a
//    page never ends the loop, only the cursor does;
//  - stops at the first non-2xx reply and returns it, unprinted;
//  - a cursor equal to the one just sent is an error (errc::internal):
//    the server would otherwise keep ropectl looping forever.
#include <functional>
#include <optional>
#include <string>

#include "http_client.hpp"
#include "json_value.hpp"
#include "request_builder.hpp"

namespace ropekv::ctl {

using fetch_fn = std::function<result<http_reply>(const api_call&)>;
using page_fn = std::function<void(const http_reply& reply, const json_value& page)>;

struct paging_result {
  http_reply last;                    // the last reply (the failing one on error)
  std::optional<std::string> cursor;  // cursor of the last page when not followed
  size_t pages = 0;                   // 2xx pages handed to on_page
};

/// Transport errors and unparsable 2xx bodies come back as errors
/// (errc::unavailable / errc::timeout from fetch; errc::internal for bodies).
result<paging_result> follow_pages(const api_call& first, bool follow, const fetch_fn& fetch,
                                   const page_fn& on_page);

}  // namespace ropekv::ctl
