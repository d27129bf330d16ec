// The chunk shipper against a real directory store; an outage is a wrapper
// that refuses every call while `down` is set (what a stopped S3 server or
// an unwritable directory gives the shipper: errc::unavailable / io_error).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "ropekv/backup/blob_shipper.hpp"

namespace ropekv::backup {
namespace {
namespace fs = std::filesystem;

class temp_dir {
 public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ropekv-ship-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class switchable_store final : public blob::blob_store {
 public:
  switchable_store(std::unique_ptr<blob::blob_store> inner, std::shared_ptr<std::atomic<bool>> down)
      : inner_(std::move(inner)), down_(std::move(down)) {}
  status put(const std::string& k, std::string_view b) override {
    if (*down_) return outage();
    return inner_->put(k, b);
  }
  status put_file(const std::string& k, const std::string& p) override {
    if (*down_) return outage();
    return inner_->put_file(k, p);
  }
  result<std::string> get(const std::string& k) override {
    if (*down_) return outage();
    return inner_->get(k);
  }
  status get_file(const std::string& k, const std::string& p) override {
    if (*down_) return outage();
    return inner_->get_file(k, p);
  }
  result<blob::blob_info> stat(const std::string& k) override {
    if (*down_) return outage();
    return inner_->stat(k);
  }
  result<std::vector<blob::blob_info>> list(const std::string& p) override {
    if (*down_) return outage();
    return inner_->list(p);
  }
  status remove(const std::string& k) override {
    if (*down_) return outage();
    return inner_->remove(k);
  }
  std::string describe() const override { return inner_->describe(); }

 private:
  static ropekv::error outage() { return make_error(errc::unavailable, "store down (test)"); }
  std::unique_ptr<blob::blob_store> inner_;
  std::shared_ptr<std::atomic<bool>> down_;
};

/// Collects outcomes; wait_for() blocks until n arrived (or a generous
/// deadline, which fails the test rather than hanging it).
struct outcomes {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<segment::chunk_shipper::outcome> got;
  segment::chunk_shipper::done_fn sink() {
    return [this](segment::chunk_shipper::outcome o) {
      std::lock_guard lock(mu);
      got.push_back(std::move(o));
      cv.notify_all();
    };
  }
  bool wait_for(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(60), [&] { return got.size() >= n; });
  }
};

pb::ChunkRecord record_at(uint64_t first, uint64_t last) {
  pb::ChunkRecord r;
  r.set_first_position(first);
  r.set_last_position(last);
  return r;
}

struct fixture {
  temp_dir dir;
  std::shared_ptr<std::atomic<bool>> down = std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<blob::blob_store> verify;  // a second handle on the same directory

  std::shared_ptr<blob_shipper> start(shipper_options o = {}) {
    auto url = "file://" + dir.path() + "/blobs";
    auto inner = blob::open_blob_store(url);
    EXPECT_TRUE(inner.ok()) << inner.error().message;
    auto v = blob::open_blob_store(url);
    verify = std::move(*v);
    if (o.spool_dir.empty()) o.spool_dir = dir.path() + "/spool";
    o.retry_min = std::chrono::milliseconds(5);
    o.retry_max = std::chrono::milliseconds(20);
    auto s = blob_shipper::start(std::make_unique<switchable_store>(std::move(*inner), down), o);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return *s;
  }
  size_t spooled() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path() + "/spool")) ++n;
    return n;
  }
};

TEST(blob_shipper, stores_verifies_and_names_chunks_by_content) {
  fixture f;
  auto shipper = f.start();
  outcomes out;
  std::string bytes = "chunk bytes " + std::string(1000, 'x');
  ASSERT_TRUE(shipper->ship(7, bytes, record_at(0, 10), out.sink()));
  ASSERT_TRUE(out.wait_for(1));
  const auto& o = out.got[0];
  EXPECT_TRUE(o.stored);
  EXPECT_EQ(o.record.chunk_id(), blob::sha256_hex(bytes));
  EXPECT_EQ(o.record.last_position(), 10u);
  auto back = f.verify->get(chunk_key(o.record.chunk_id()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, bytes);
  auto st = shipper->stats();
  EXPECT_EQ(st.stored_chunks, 1u);
  EXPECT_EQ(st.backlog_chunks, 0u);
  EXPECT_EQ(f.spooled(), 0u);
}

TEST(blob_shipper, an_outage_queues_on_disk_bounded_and_drains_in_order) {
  fixture f;
  shipper_options o;
  o.max_chunks = 3;
  auto shipper = f.start(o);
  *f.down = true;
  outcomes out;
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(shipper->ship(1, "chunk " + std::to_string(i), record_at(i * 10, i * 10 + 10), out.sink()));
  }
  // Full: refused, nothing taken.
  EXPECT_FALSE(shipper->ship(1, "one too many", record_at(30, 40), out.sink()));
  auto st = shipper->stats();
  EXPECT_EQ(st.backlog_chunks, 3u);
  EXPECT_EQ(st.refused, 1u);
  EXPECT_EQ(f.spooled(), 3u);
  // The worker tries (and fails) while the store is down; nothing is reported.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (shipper->stats().failed_attempts == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GT(shipper->stats().failed_attempts, 0u);
  EXPECT_FALSE(shipper->stats().store_reachable);
  EXPECT_EQ(shipper->stats().backlog_chunks, 3u);
  {
    std::lock_guard lock(out.mu);
    EXPECT_TRUE(out.got.empty());
  }
  *f.down = false;
  ASSERT_TRUE(out.wait_for(3));
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(out.got[i].stored);
    EXPECT_EQ(out.got[i].record.last_position(), i * 10 + 10);  // in order
    EXPECT_TRUE(f.verify->stat(chunk_key(out.got[i].record.chunk_id())).ok());
  }
  st = shipper->stats();
  EXPECT_EQ(st.backlog_chunks, 0u);
  EXPECT_EQ(st.backlog_bytes, 0u);
  EXPECT_GT(st.failed_attempts, 0u);
  EXPECT_TRUE(st.store_reachable);
  EXPECT_EQ(f.spooled(), 0u);
}

TEST(blob_shipper, leftovers_of_a_killed_process_are_dropped_at_start) {
  fixture f;
  fs::create_directories(f.dir.path() + "/spool");
  { std::ofstream(f.dir.path() + "/spool/3-40-1.chunk") << "never recorded"; }
  auto shipper = f.start();
  EXPECT_EQ(f.spooled(), 0u);
  EXPECT_EQ(shipper->stats().backlog_chunks, 0u);
}

}  // namespace
}  // namespace ropekv::backup
