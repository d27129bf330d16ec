#include "pager.hpp"

#include "output_formatter.hpp"

namespace ropekv::ctl {

result<paging_result> follow_pages(const api_call& first, bool follow, const fetch_fn& fetch,
                                   const page_fn& on_page) {
  paging_result out;
  api_call call = first;
  std::optional<std::string> sent_cursor;
  for (;;) {
    auto reply = fetch(call);
    if (!reply) return std::move(reply).error();
    out.last = std::move(reply).value();
    if (out.last.status < 200 || out.last.status > 299) return out;
    auto page = json_value::parse(out.last.body);
    if (!page)
      return make_error(errc::internal, "router sent a page that is not JSON: " + page.error().message);
    on_page(out.last, *page);
    ++out.pages;
    out.cursor = page_cursor(*page);
    if (!out.cursor || !follow) return out;
    if (out.cursor == sent_cursor)
      return make_error(errc::internal, "router returned the same cursor twice; stopping");
    sent_cursor = out.cursor;
    call = with_cursor(first, *out.cursor);
  }
}

}  // namespace ropekv::ctl
