// Chunks on real processes (docs/backup.md): ropekv-placement and three
// ropekv-segment-owner processes with a file:// blob store and tiny chunk
// thresholds (through ROPEKV_* environment variables, which every service
// of the cluster reads). Writes go to the owners' published actors as a
// router sends them.
//   1. Every acknowledged write reaches a chunk object, version included,
//      and a sealing ManifestRequest to each segment's leader names chunks
//      covering all of them (what a backup takes).
//   2. The blob store unavailable for a while (its directory replaced by a
//      plain file): writes go on, uploads fail and queue, the backlog
//      drains once it is back, nothing acknowledged is missing.
//   3. kill -9 of an owner while its leaders chunk: the same, and every
//      chunk a manifest names exists with its checksum.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <thread>

#include "host_port.hpp"
#include "kv_client.hpp"
#include "owner_cluster.hpp"
#include "ropekv/blob/blob_store.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/store/segment_store.hpp"

namespace ropekv::segment_owner::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

template <class Pred>
bool poll_until(std::chrono::milliseconds bound, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// "hash_key@version" of every put version in the chunk objects `ids` (all
/// objects under chunks/ when empty); `bad` counts objects that are
/// missing or fail their checksum or framing.
struct chunk_contents {
  std::set<std::string> versions;
  size_t objects = 0;
  size_t bad = 0;
};

chunk_contents read_chunks(const std::string& blob_dir, uint32_t table, const std::set<std::string>& ids = {}) {
  chunk_contents out;
  std::vector<fs::path> paths;
  std::error_code ec;
  if (ids.empty()) {
    for (const auto& e : fs::directory_iterator(blob_dir + "/chunks", ec)) paths.push_back(e.path());
  } else {
    for (const auto& id : ids) paths.push_back(blob_dir + "/chunks/" + id);
  }
  for (const auto& p : paths) {
    ++out.objects;
    std::string bytes = read_all(p);
    if (bytes.empty() || blob::sha256_hex(bytes) != p.filename().string()) {
      ++out.bad;
      continue;
    }
    auto r = store::segment_store::read_chunk(bytes, [&](const pb::StoreRecord& rec) -> status {
      if (!rec.has_version() || rec.version().kind() != 0) return {};
      auto k = keys::decode(rec.version().key());
      if (k && k->table == table) out.versions.insert(k->hash_key + "@" + std::to_string(rec.version().version()));
      return {};
    });
    if (!r) ++out.bad;
  }
  return out;
}

class chunks_process_test : public ::testing::Test {
 protected:
  chunks_process_test() : cluster_(3) {}

  void SetUp() override {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ropekv-chunks-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    blobs_ = root_ + "/blobs";
    fs::create_directories(blobs_);
    // Children inherit the environment: every owner ships chunks here.
    ::setenv("ROPEKV_BLOB_STORE", ("file://" + blobs_).c_str(), 1);
    ::setenv("ROPEKV_CHUNK_INTERVAL_MS", "300", 1);
    ::setenv("ROPEKV_CHUNK_MIN_ROWS", "25", 1);
    ::setenv("ROPEKV_CHUNK_MAX_ROWS", "200", 1);
    ::setenv("ROPEKV_CHUNK_BACKLOG", "4", 1);
    ASSERT_TRUE(cluster_.start()) << "a process printed no 'listening on' line";
    std::optional<pb::ClusterReply> c;
    ASSERT_TRUE(poll_until(20s, [&] {
      c = cluster_.cluster();
      return c && c->alive_nodes_size() == 3;
    })) << "owners did not register";
    auto table = cluster_.create_table("chunked", 3);
    ASSERT_TRUE(table.has_value());
    ASSERT_EQ(table->status().error_code(), 0u) << table->status().message();
    table_ = table->schema().id();
    client_ = std::make_unique<kv_client>(cluster_.system(), table_, [this] { return cluster_.cluster(); });
    ASSERT_FALSE(client_->segments().empty());
  }

  void TearDown() override {
    for (const char* v : {"ROPEKV_BLOB_STORE", "ROPEKV_CHUNK_INTERVAL_MS", "ROPEKV_CHUNK_MIN_ROWS",
                          "ROPEKV_CHUNK_MAX_ROWS", "ROPEKV_CHUNK_BACKLOG"})
      ::unsetenv(v);
    if (HasFailure()) std::cerr << cluster_.log_tails(40);
    std::error_code ec;
    fs::remove(blobs_, ec);  // a plain file if the test stopped mid-outage
    fs::remove_all(root_, ec);
  }

  /// PUTs keys [from, to) with `client`; every one must be acknowledged.
  void load(kv_client& client, int from, int to) {
    for (int i = from; i < to; ++i) {
      std::string key = "item" + std::to_string(i);
      auto r = client.put(key, "{\"i\":" + std::to_string(i) + "}", 30s);
      ASSERT_TRUE(r.ok) << key << ": " << r.status.message();
      acked_.insert(key);
    }
  }

  /// "key@version" of every acknowledged key, read back STRONG.
  std::set<std::string> acked_versions() {
    std::set<std::string> out;
    for (const auto& k : acked_) {
      auto g = client_->get(k, pb::STRONG, 30s);
      EXPECT_TRUE(g && g->status().error_code() == 0) << "acknowledged " << k << " not readable";
      if (g && g->status().error_code() == 0) out.insert(k + "@" + std::to_string(g->item().version()));
    }
    return out;
  }

  ::testing::AssertionResult covered(const std::set<std::string>& want, const chunk_contents& got) {
    if (got.bad != 0) return ::testing::AssertionFailure() << got.bad << " chunk objects missing or failing checks";
    size_t missing = 0;
    std::string first;
    for (const auto& a : want) {
      if (!got.versions.count(a) && missing++ == 0) first = a;
    }
    if (missing == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << missing << " of " << want.size()
                                         << " acknowledged versions in no chunk (first " << first << "), "
                                         << got.objects << " objects";
  }

  /// Seals every segment at its leader: the chunk ids their manifests name
  /// once every write acknowledged so far is in a recorded chunk.
  ::testing::AssertionResult seal_all(std::set<std::string>& ids, int attempts = 20, uint32_t wait_ms = 20'000) {
    auto view = cluster_.cluster();
    if (!view) return ::testing::AssertionFailure() << "placement did not answer";
    caf::scoped_actor self{cluster_.system()};
    for (const auto& seg : view->segments()) {
      bool sealed = false;
      std::string last_error;
      for (int attempt = 0; attempt < attempts && !sealed; ++attempt) {
        for (const auto& node : view->nodes()) {
          auto hp = parse_host_port(node.address());
          if (!hp) continue;
          auto h = cluster_.system().middleman().remote_actor<net::owner_actor>(hp->host, hp->port);
          if (!h) continue;
          pb::ManifestRequest req;
          req.mutable_routing()->set_segment_id(seg.id());
          req.set_seal(true);
          req.set_wait_ms(wait_ms);
          self->request(*h, std::chrono::milliseconds(wait_ms) + 5s, req)
              .receive(
                  [&](pb::ManifestReply& r) {
                    if (r.status().error_code() != 0) {
                      last_error = r.status().message();
                      return;
                    }
                    if (r.sealed_position() < r.last_position()) {
                      last_error = "sealed below the last position";
                      return;
                    }
                    for (const auto& c : r.chunks()) ids.insert(c.chunk_id());
                    sealed = true;
                  },
                  [&](caf::error& e) { last_error = caf::to_string(e); });
          if (sealed) break;
        }
        if (!sealed) std::this_thread::sleep_for(300ms);
      }
      if (!sealed) return ::testing::AssertionFailure() << "segment " << seg.id() << " not sealed: " << last_error;
    }
    return ::testing::AssertionSuccess();
  }

  owner_cluster cluster_;
  std::unique_ptr<kv_client> client_;
  std::string root_;
  std::string blobs_;
  uint32_t table_ = 0;
  std::set<std::string> acked_;
};

TEST_F(chunks_process_test, acknowledged_writes_reach_chunks_through_outage_and_kill9) {
  // 1. Steady state.
  load(*client_, 0, 150);
  auto want = acked_versions();
  ASSERT_TRUE(poll_until(60s, [&] { return covered(want, read_chunks(blobs_, table_)); }))
      << covered(want, read_chunks(blobs_, table_)).message();
  std::set<std::string> sealed;
  ASSERT_TRUE(seal_all(sealed));
  EXPECT_TRUE(covered(want, read_chunks(blobs_, table_, sealed)));

  // 2. The blob store goes away: writes go on, uploads fail and queue.
  fs::rename(blobs_, blobs_ + ".away");
  { std::ofstream(blobs_) << "not a directory"; }
  load(*client_, 150, 300);
  ASSERT_TRUE(poll_until(30s, [&] {
    for (unsigned i = 0; i < cluster_.size(); ++i)
      if (cluster_.owner_log(i).find("event=chunk_upload_failed") != std::string::npos) return true;
    return false;
  })) << "no upload failed while the blob store was away";
  // A seal cannot complete now: a backup would be refused, not incomplete.
  std::set<std::string> during;
  EXPECT_FALSE(seal_all(during, 1, 1'500));
  // Back: the backlog drains and every acknowledged version is in a chunk.
  fs::remove(blobs_);
  fs::rename(blobs_ + ".away", blobs_);
  want = acked_versions();
  ASSERT_TRUE(poll_until(60s, [&] { return covered(want, read_chunks(blobs_, table_)); }))
      << covered(want, read_chunks(blobs_, table_)).message();
  bool back = false;
  for (unsigned i = 0; i < cluster_.size(); ++i)
    back = back || cluster_.owner_log(i).find("event=blob_store_reachable") != std::string::npos;
  EXPECT_TRUE(back);

  // 3. kill -9 of an owner while its leaders freeze and upload.
  std::thread writer([&] {
    kv_client other(cluster_.system(), table_, [this] { return cluster_.cluster(); });
    load(other, 300, 450);
  });
  std::this_thread::sleep_for(500ms);
  cluster_.kill_owner(0);
  writer.join();
  ASSERT_TRUE(cluster_.start_owner(0));
  want = acked_versions();
  ASSERT_EQ(want.size(), 450u);
  sealed.clear();
  ASSERT_TRUE(seal_all(sealed));
  // Every chunk a manifest names is there, intact, and they hold it all.
  auto got = read_chunks(blobs_, table_, sealed);
  EXPECT_TRUE(covered(want, got));
  std::cout << "[ measure  ] " << want.size() << " acknowledged versions, all in the " << got.objects
            << " chunks the sealed manifests name (" << read_chunks(blobs_, table_).objects
            << " chunk objects in the store)\n";
}

}  // namespace
}  // namespace ropekv::segment_owner::testing
