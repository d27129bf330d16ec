// Fuzz target: the opaque page cursors clients send back in `cursor=`:
// the router's query/scan cursor (services/router router_cursor.cpp) and
// an index replica's own cursor (libs/index index_query.cpp, reached
// through index_store::query on a real, empty SQLite index file).
//
// Input: byte 0 picks the decoder; the rest is the cursor text.
// Invariants: no exception escapes; a bad cursor is 400 invalid_argument
// (router) or invalid_argument "bad_cursor" (index), never another error;
// decoding is strict, so an accepted router cursor encodes back to exactly
// the text it came from, and any cursor value round-trips through
// encode/decode unchanged.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_check.hpp"
#include "ropekv/index/index_store.hpp"
#include "router_cursor.hpp"

namespace {

using namespace ropekv;

void router_cursor_text(std::string_view text) {
  auto c = router::decode_cursor(text);
  if (!c) {
    ROPEKV_FUZZ_CHECK(c.error().status == 400 && c.error().code == "invalid_argument",
                      "bad router cursor is not 400 invalid_argument");
    return;
  }
  ROPEKV_FUZZ_CHECK(router::encode_cursor(*c) == text, "accepted cursor is not canonical");
}

void router_cursor_value(FuzzedDataProvider& in) {
  router::router_cursor c;
  const router::walk_kind kinds[] = {router::walk_kind::scan, router::walk_kind::range,
                                     router::walk_kind::index};
  c.kind = in.PickValueInArray(kinds);
  c.reverse = in.ConsumeBool();
  c.table = in.ConsumeIntegral<uint32_t>();
  c.pos = in.ConsumeRandomLengthString(128);
  if (in.ConsumeBool()) c.after = in.ConsumeRandomLengthString(128);
  c.after_rk = in.ConsumeRandomLengthString(128);
  c.inner_segment = in.ConsumeIntegral<uint64_t>();
  c.inner_epoch = in.ConsumeIntegral<uint64_t>();
  c.inner = in.ConsumeRemainingBytesAsString();
  auto back = router::decode_cursor(router::encode_cursor(c));
  ROPEKV_FUZZ_CHECK(back.ok() && *back == c, "router cursor round trip");
}

// One index file for the whole run, removed at exit.
struct index_fixture {
  std::string dir;
  std::unique_ptr<index::index_store> store;

  index_fixture() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ropekv_fuzz_index_XXXXXX").string();
    ROPEKV_FUZZ_CHECK(mkdtemp(tmpl.data()) != nullptr, "mkdtemp");
    dir = tmpl;
    pb::IndexDescriptor d;
    d.set_id(3);
    d.set_table_id(7);
    auto* s = d.mutable_spec();
    s->set_table("fuzz");
    s->set_name("by_city");
    s->set_attribute("city");
    s->set_type(pb::INDEX_STRING);
    s->set_projection(pb::PROJECT_ALL);
    auto opened = index::index_store::open(dir + "/index.db", d);
    ROPEKV_FUZZ_CHECK(opened.ok(), "open index store");
    store = std::move(*opened);
  }
  ~index_fixture() {
    store.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

void index_cursor(std::string_view cursor, bool reverse) {
  static index_fixture fx;
  index::query_args q;
  q.cursor = std::string(cursor);
  q.reverse = reverse;
  q.limit = 10;
  auto page = fx.store->query(q);
  if (!page) {
    ROPEKV_FUZZ_CHECK(page.error().code == errc::invalid_argument &&
                          page.error().message.rfind("bad_cursor", 0) == 0,
                      "bad index cursor is not invalid_argument bad_cursor");
    return;
  }
  ROPEKV_FUZZ_CHECK(page->items.empty() && page->next_cursor.empty(),
                    "empty index returned rows or a next cursor");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest = fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: router_cursor_text(rest); break;
    case 1: {
      FuzzedDataProvider in(data + 1, size - 1);
      router_cursor_value(in);
      break;
    }
    case 2: index_cursor(rest, false); break;
    case 3: index_cursor(rest, true); break;
  }
  return 0;
}
