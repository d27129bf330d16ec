// sqlite_raft_io on a log that fills up (PRAGMA max_page_count stands in
// for a full disk, SQLITE_FULL either way): the failed batch's callbacks
// get an error, the io says why (insufficient_storage) and refuses further
// writes, and the file is intact — reopened with room again it loads
// exactly the batches that committed.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ropekv/consensus/sqlite_raft_io.hpp"
#include "temp_dir.hpp"

namespace ropekv::consensus::test {
namespace {

struct null_transport final : transport {
  void send(node_id, std::string_view, std::string) override {}
};

struct append_req {
  raft_io_append req{};
  int status = -1;
};

void on_append(raft_io_append* req, int status) { static_cast<append_req*>(req->data)->status = status; }
void on_tick(raft_io*) {}
void on_recv(raft_io*, raft_message*) {}

/// Opens an io over `path`, loads and starts it; the entries it loaded.
std::unique_ptr<sqlite_raft_io> open_io(const std::string& path, unsigned max_pages, transport& net,
                                        size_t* loaded) {
  sqlite_log_options o;
  o.durable = false;
  o.max_pages = max_pages;
  auto log = sqlite_log::open(path, o);
  EXPECT_TRUE(log.ok());
  if (!log) return nullptr;
  auto io = std::make_unique<sqlite_raft_io>(std::move(*log), net);
  raft_io* r = io->get();
  EXPECT_EQ(r->init(r, 1, "n1"), 0);
  raft_term term;
  raft_id vote;
  raft_snapshot* snap = nullptr;
  raft_index start;
  raft_entry* entries = nullptr;
  size_t n = 0;
  EXPECT_EQ(r->load(r, &term, &vote, &snap, &start, &entries, &n), 0);
  if (n > 0) {
    raft_free(entries[0].batch);
    raft_free(entries);
  }
  *loaded = n;
  EXPECT_EQ(r->start(r, 100, on_tick, on_recv), 0);
  return io;
}

TEST(disk_full_io, a_failed_batch_reports_insufficient_storage_and_leaves_the_file_intact) {
  temp_dir dir;
  const std::string path = dir.file("full.db");
  null_transport net;
  size_t loaded = 0;
  auto io = open_io(path, 24, net, &loaded);  // ~96 KiB of pages in all
  ASSERT_TRUE(io);
  std::string payload(3000, 'p');
  std::vector<std::unique_ptr<append_req>> reqs;
  std::vector<std::unique_ptr<std::vector<raft_entry>>> batches;
  size_t committed = 0;
  int failed_status = 0;
  for (int batch = 0; batch < 200 && failed_status == 0; ++batch) {
    auto e = std::make_unique<std::vector<raft_entry>>(4);
    for (auto& entry : *e) {
      entry.term = 1;
      entry.type = RAFT_COMMAND;
      entry.buf = {payload.data(), payload.size()};
    }
    auto r = std::make_unique<append_req>();
    r->req.data = r.get();
    raft_io* raw = io->get();
    ASSERT_EQ(raw->append(raw, &r->req, e->data(), 4, on_append), 0);
    io->poll(static_cast<uint64_t>(batch + 1));
    if (r->status == 0) committed += 4;
    else failed_status = r->status;
    reqs.push_back(std::move(r));
    batches.push_back(std::move(e));
  }
  ASSERT_NE(failed_status, 0) << "the log never filled up";
  EXPECT_TRUE(io->failed());
  EXPECT_EQ(io->failure().code, errc::insufficient_storage) << io->failure().message;
  // Refused from now on, synchronously: c-raft learns at once.
  append_req late;
  late.req.data = &late;
  raft_entry one{};
  one.term = 1;
  one.type = RAFT_COMMAND;
  one.buf = {payload.data(), payload.size()};
  raft_io* raw = io->get();
  EXPECT_NE(raw->append(raw, &late.req, &one, 1, on_append), 0);
  EXPECT_NE(raw->set_term(raw, 2), 0);
  raw->close(raw, nullptr);
  io.reset();

  // Room again: the file loads, holding exactly the committed batches.
  auto again = open_io(path, 0, net, &loaded);
  ASSERT_TRUE(again);
  EXPECT_EQ(loaded, committed);
  EXPECT_FALSE(again->failed());
  again->get()->close(again->get(), nullptr);
}

}  // namespace
}  // namespace ropekv::consensus::test
