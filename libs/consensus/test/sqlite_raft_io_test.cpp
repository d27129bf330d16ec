// sqlite_raft_io driven by hand, without c-raft: asynchronous callbacks,
// group commit, durability before the callback, truncation order, crash,
// and the two c-raft 0.15 follower corrections.
#include "ropekv/consensus/sqlite_raft_io.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstring>
#include <vector>

#include "temp_dir.hpp"

namespace ropekv::consensus::test {
namespace {

struct recording_transport final : transport {
  std::vector<std::pair<uint64_t, std::string>> sent;
  void send(node_id to, std::string_view, std::string bytes) override {
    sent.emplace_back(to.value, std::move(bytes));
  }
};

struct append_req {
  raft_io_append req{};
  int fired = 0;
  int status = -1;
};

void on_append(raft_io_append* req, int status) {
  auto* a = static_cast<append_req*>(req->data);
  ++a->fired;
  a->status = status;
}

int ticks = 0;
void on_tick(raft_io*) { ++ticks; }

// What c-raft's recv callback was handed, as c-raft would see it.
std::vector<raft_append_entries> delivered;
void on_recv(raft_io*, raft_message* m) {
  if (m->type != RAFT_IO_APPEND_ENTRIES) return;
  delivered.push_back(m->append_entries);
  // The callback owns the entries now (as c-raft does).
  if (m->append_entries.n_entries > 0) raft_free(m->append_entries.entries[0].batch);
  raft_free(m->append_entries.entries);
  delivered.back().entries = nullptr;
}

std::string append_entries(raft_index prev, unsigned n, raft_index leader_commit) {
  std::vector<std::string> payloads(n, "e");
  std::vector<raft_entry> entries(n);
  for (unsigned i = 0; i < n; ++i) {
    entries[i].term = 5;
    entries[i].type = RAFT_COMMAND;
    entries[i].buf = {payloads[i].data(), payloads[i].size()};
  }
  raft_message m{};
  m.type = RAFT_IO_APPEND_ENTRIES;
  m.append_entries.term = 5;
  m.append_entries.prev_log_index = prev;
  m.append_entries.prev_log_term = 4;
  m.append_entries.leader_commit = leader_commit;
  m.append_entries.entries = entries.data();
  m.append_entries.n_entries = n;
  return encode_message(m, 2, "n2");
}

// Counts rows through a separate connection: what another process would see.
int64_t rows_on_disk(const std::string& path, const char* sql = "SELECT COUNT(*) FROM raft_entries") {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), SQLITE_OK);
  int64_t n = -1;
  if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

class io_test : public ::testing::Test {
 protected:
  void open(bool durable = true) {
    auto log = sqlite_log::open(path_, sqlite_log_options{durable});
    ASSERT_TRUE(log.ok());
    io_ = std::make_unique<sqlite_raft_io>(std::move(*log), net_);
    raft_io* io = io_->get();
    ASSERT_EQ(io->init(io, 1, "n1"), 0);
    raft_term term;
    raft_id vote;
    raft_snapshot* snap;
    raft_index start;
    raft_entry* entries;
    size_t n;
    ASSERT_EQ(io->load(io, &term, &vote, &snap, &start, &entries, &n), 0);
    loaded_term_ = term;
    loaded_vote_ = vote;
    loaded_start_ = start;
    loaded_n_ = n;
    if (n > 0) {
      loaded_first_payload_.assign(static_cast<char*>(entries[0].buf.base), entries[0].buf.len);
      raft_free(entries[0].batch);
      raft_free(entries);
    }
    if (snap != nullptr) {
      loaded_snapshot_index_ = snap->index;
      raft_configuration_close(&snap->configuration);
      raft_free(snap->bufs[0].base);
      raft_free(snap->bufs);
      raft_free(snap);
    }
    ASSERT_EQ(io->start(io, 100, on_tick, on_recv), 0);
  }
  void close() {
    io_->get()->close(io_->get(), nullptr);
    io_.reset();
  }

  append_req* append(std::vector<std::string>& payloads, raft_term term = 1) {
    auto e = std::make_unique<std::vector<raft_entry>>(payloads.size());
    for (size_t i = 0; i < payloads.size(); ++i) {
      (*e)[i].term = term;
      (*e)[i].type = RAFT_COMMAND;
      (*e)[i].buf = {payloads[i].data(), payloads[i].size()};
    }
    auto r = std::make_unique<append_req>();
    r->req.data = r.get();
    EXPECT_EQ(io_->get()->append(io_->get(), &r->req, e->data(), static_cast<unsigned>(e->size()), on_append),
              0);
    entries_.push_back(std::move(e));
    reqs_.push_back(std::move(r));
    return reqs_.back().get();
  }

  // Sends an AppendEntries result to node 2 and returns the last_log_index
  // that went on the wire.
  raft_index send_result(raft_term term, raft_index last, raft_index rejected = 0) {
    raft_message m{};
    m.type = RAFT_IO_APPEND_ENTRIES_RESULT;
    m.server_id = 2;
    m.server_address = "n2";
    m.append_entries_result.term = term;
    m.append_entries_result.rejected = rejected;
    m.append_entries_result.last_log_index = last;
    raft_io_send req{};
    raft_io* io = io_->get();
    EXPECT_EQ(io->send(io, &req, &m, nullptr), 0);
    auto d = decode_message(net_.sent.back().second);
    EXPECT_TRUE(d.ok());
    return d.ok() ? (*d)->get()->append_entries_result.last_log_index : 0;
  }

  temp_dir dir_;
  std::string path_ = dir_.file("seg.db");
  recording_transport net_;
  std::unique_ptr<sqlite_raft_io> io_;
  std::vector<std::unique_ptr<std::vector<raft_entry>>> entries_;
  std::vector<std::unique_ptr<append_req>> reqs_;
  raft_term loaded_term_ = 0;
  raft_id loaded_vote_ = 0;
  raft_index loaded_start_ = 0;
  size_t loaded_n_ = 0;
  uint64_t loaded_snapshot_index_ = 0;
  std::string loaded_first_payload_;
};

TEST_F(io_test, append_is_durable_before_its_callback_and_never_synchronous) {
  open();
  std::vector<std::string> p{"a", "b", "c"};
  auto* r = append(p);
  EXPECT_EQ(r->fired, 0);  // not inside append()
  EXPECT_EQ(rows_on_disk(path_), 0);
  io_->poll(1);
  EXPECT_EQ(r->fired, 1);
  EXPECT_EQ(r->status, 0);
  EXPECT_EQ(rows_on_disk(path_), 3);  // another connection sees them
  close();
}

TEST_F(io_test, all_appends_pending_at_a_poll_share_one_transaction) {
  open();
  std::vector<std::vector<std::string>> batches(50, std::vector<std::string>{"x", "y"});
  uint64_t before = io_->fsyncs();
  for (auto& b : batches) append(b);
  io_->poll(1);
  EXPECT_EQ(io_->fsyncs() - before, 1u);
  EXPECT_EQ(io_->stats().flushes, 1u);
  EXPECT_EQ(rows_on_disk(path_), 100);
  for (auto& r : reqs_) EXPECT_EQ(r->fired, 1);
  close();
}

TEST_F(io_test, truncate_is_ordered_behind_pending_appends_and_reload_sees_it) {
  open(false);
  std::vector<std::string> p1{"1", "2", "3", "4", "5"}, p2{"3b", "4b"};
  append(p1);
  ASSERT_EQ(io_->get()->truncate(io_->get(), 3), 0);
  append(p2, 2);
  io_->poll(1);
  EXPECT_EQ(rows_on_disk(path_), 4);
  EXPECT_EQ(rows_on_disk(path_, "SELECT COUNT(*) FROM raft_entries WHERE idx = 4 AND payload = CAST('4b' AS BLOB)"), 1);
  close();
  open(false);
  EXPECT_EQ(loaded_n_, 4u);
  EXPECT_EQ(loaded_start_, 1u);
  EXPECT_EQ(loaded_first_payload_, "1");
  close();
}

TEST_F(io_test, term_and_vote_are_synchronous_and_reload) {
  open();
  raft_io* io = io_->get();
  ASSERT_EQ(io->set_term(io, 5), 0);
  ASSERT_EQ(io->set_vote(io, 3), 0);
  close();
  open();
  EXPECT_EQ(loaded_term_, 5u);
  EXPECT_EQ(loaded_vote_, 3u);
  raft_configuration conf;
  raft_configuration_init(&conf);
  ASSERT_EQ(raft_configuration_add(&conf, 1, "n1", RAFT_VOTER), 0);
  EXPECT_EQ(io_->get()->bootstrap(io_->get(), &conf), RAFT_CANTBOOTSTRAP);
  raft_configuration_close(&conf);
  close();
}

TEST_F(io_test, sends_complete_asynchronously) {
  open();
  struct send_req {
    raft_io_send req{};
    int fired = 0;
  } s;
  s.req.data = &s;
  raft_message m{};
  m.type = RAFT_IO_TIMEOUT_NOW;
  m.server_id = 2;
  m.server_address = "n2";
  m.timeout_now = {3, 4, 5};
  raft_io* io = io_->get();
  ASSERT_EQ(io->send(io, &s.req, &m, [](raft_io_send* req, int) { ++static_cast<send_req*>(req->data)->fired; }),
            0);
  EXPECT_EQ(s.fired, 0);
  ASSERT_EQ(net_.sent.size(), 1u);
  EXPECT_EQ(net_.sent[0].first, 2u);
  io_->poll(1);
  EXPECT_EQ(s.fired, 1);
  ticks = 0;
  io_->poll(150);
  EXPECT_EQ(ticks, 1);
  close();
}

TEST_F(io_test, a_crash_loses_unflushed_appends_and_cancels_them) {
  open();
  std::vector<std::string> p{"lost"};
  auto* r = append(p);
  io_->simulate_crash();
  close();
  EXPECT_EQ(r->fired, 1);
  EXPECT_EQ(r->status, RAFT_CANCELED);
  EXPECT_EQ(rows_on_disk(path_), 0);
}

TEST_F(io_test, snapshot_put_compacts_and_snapshot_get_returns_it) {
  open(false);
  std::vector<std::string> p(20, "e");
  append(p);
  io_->poll(1);
  raft_snapshot snap{};
  snap.index = 15;
  snap.term = 1;
  raft_configuration_init(&snap.configuration);
  ASSERT_EQ(raft_configuration_add(&snap.configuration, 1, "n1", RAFT_VOTER), 0);
  snap.configuration_index = 1;
  std::string data = "image";
  raft_buffer buf{data.data(), data.size()};
  snap.bufs = &buf;
  snap.n_bufs = 1;
  struct put_req {
    raft_io_snapshot_put req{};
    int status = -1;
  } put;
  put.req.data = &put;
  raft_io* io = io_->get();
  ASSERT_EQ(io->snapshot_put(io, 4, &put.req, &snap,
                             [](raft_io_snapshot_put* req, int st) { static_cast<put_req*>(req->data)->status = st; }),
            0);
  io_->poll(2);
  EXPECT_EQ(put.status, 0);
  raft_configuration_close(&snap.configuration);
  EXPECT_EQ(rows_on_disk(path_), 9);  // 12..20 kept: index - trailing + 1 onwards

  struct get_req {
    raft_io_snapshot_get req{};
    std::string data;
    uint64_t index = 0;
  } get;
  get.req.data = &get;
  ASSERT_EQ(io->snapshot_get(io, &get.req,
                             [](raft_io_snapshot_get* req, raft_snapshot* s, int st) {
                               ASSERT_EQ(st, 0);
                               auto* g = static_cast<get_req*>(req->data);
                               g->index = s->index;
                               g->data.assign(static_cast<char*>(s->bufs[0].base), s->bufs[0].len);
                               raft_configuration_close(&s->configuration);
                               raft_free(s->bufs[0].base);
                               raft_free(s->bufs);
                               raft_free(s);
                             }),
            0);
  io_->poll(3);
  EXPECT_EQ(get.index, 15u);
  EXPECT_EQ(get.data, "image");
  close();
  open(false);
  EXPECT_EQ(loaded_snapshot_index_, 15u);
  EXPECT_EQ(loaded_start_, 12u);
  EXPECT_EQ(loaded_n_, 9u);
  close();
}

// c-raft 0.15 commits min(leader_commit, last_stored) on a follower; the io
// hands it an AppendEntries whose leader_commit stops at what the message
// covers, so entries past it (possibly stale) are never committed.
TEST_F(io_test, delivered_append_entries_carry_only_the_commit_they_cover) {
  open();
  delivered.clear();
  io_->receive(node_id{2}, append_entries(406, 0, 410));  // heartbeat beyond its range
  io_->receive(node_id{2}, append_entries(405, 2, 410));  // two entries: covers 407
  io_->receive(node_id{2}, append_entries(407, 1, 408));  // covers all it claims
  io_->poll(1);
  ASSERT_EQ(delivered.size(), 3u);
  EXPECT_EQ(delivered[0].leader_commit, 406u);
  EXPECT_EQ(delivered[0].prev_log_index, 406u);
  EXPECT_EQ(delivered[1].leader_commit, 407u);
  EXPECT_EQ(delivered[1].n_entries, 2u);
  EXPECT_EQ(delivered[2].leader_commit, 408u);
  EXPECT_EQ(io_->stats().leader_commits_capped, 2u);
  close();
}

// c-raft 0.15 reports last_stored on success even below stale entries; the
// io claims only max(commit index, last stored entry of the current term).
TEST_F(io_test, sent_append_results_claim_only_the_provably_matching_prefix) {
  open(false);
  struct raft r {};  // what raft_init would leave in io->data
  r.commit_index = 3;
  io_->get()->data = &r;
  std::vector<std::string> old{"1", "2", "3"}, stale{"4", "5"}, fresh{"4'"};
  append(old, 1);
  append(stale, 2);  // never committed; the leader of term 3 lacks them
  io_->poll(1);

  EXPECT_EQ(send_result(3, 5), 3u);  // 4..5 are unproven: committed prefix only
  EXPECT_EQ(send_result(3, 5, 5), 5u);  // a rejection's hint is not a claim
  EXPECT_EQ(send_result(3, 2), 2u);     // within the committed prefix
  EXPECT_EQ(io_->stats().match_claims_clamped, 1u);

  // The leader's entry of term 3 replaces 4..5; until it is stored it
  // proves nothing (c-raft reports stored entries too).
  ASSERT_EQ(io_->get()->truncate(io_->get(), 4), 0);
  append(fresh, 3);
  EXPECT_EQ(send_result(3, 5), 3u);
  io_->poll(2);
  EXPECT_EQ(send_result(3, 4), 4u);  // an entry of term 3 vouches for all before it
  EXPECT_EQ(send_result(4, 4), 3u);  // ...but not in a later term with no entry yet
  close();

  // Rebuilt from the file on load.
  open(false);
  io_->get()->data = &r;
  EXPECT_EQ(send_result(3, 4), 4u);
  EXPECT_EQ(send_result(2, 4), 3u);  // term 2's entries are gone
  io_->get()->data = nullptr;        // no raft instance: commit index counts as 0
  EXPECT_EQ(send_result(1, 4), 3u);
  close();
}

}  // namespace
}  // namespace ropekv::consensus::test
