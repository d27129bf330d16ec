#include "ropekv/backup/blob_shipper.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

namespace ropekv::backup {
namespace fs = std::filesystem;

std::string chunk_key(const std::string& chunk_id) { return "chunks/" + chunk_id; }

namespace {

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(errc::io_error, "cannot read spooled chunk " + path);
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return out;
}

status write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return make_error(errc::io_error, "cannot spool chunk to " + path);
  return {};
}

}  // namespace

result<std::shared_ptr<blob_shipper>> blob_shipper::start(std::unique_ptr<blob::blob_store> store,
                                                          shipper_options options) {
  if (!store) return make_error(errc::invalid_argument, "chunk shipper without a blob store");
  std::error_code ec;
  fs::create_directories(options.spool_dir, ec);
  if (ec) return make_error(errc::io_error, "chunk spool " + options.spool_dir + ": " + ec.message());
  // Leftovers of a previous process were never recorded: unreferenced.
  for (const auto& e : fs::directory_iterator(options.spool_dir, ec)) fs::remove(e.path(), ec);
  std::shared_ptr<blob_shipper> s(new blob_shipper(std::move(store), std::move(options)));
  s->worker_ = std::thread([p = s.get()] { p->run(); });
  return s;
}

blob_shipper::blob_shipper(std::unique_ptr<blob::blob_store> store, shipper_options options)
    : store_(std::move(store)), opts_(std::move(options)) {
  stats_.store = store_->describe();
}

blob_shipper::~blob_shipper() { stop(); }

void blob_shipper::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

bool blob_shipper::ship(uint64_t group, std::string bytes, pb::ChunkRecord record, done_fn done) {
  std::unique_lock lock(mu_);
  if (stopping_ || queue_.size() >= opts_.max_chunks ||
      stats_.backlog_bytes + bytes.size() > opts_.max_bytes) {
    ++stats_.refused;
    return false;
  }
  job j;
  j.spool_path = opts_.spool_dir + "/" + std::to_string(group) + "-" +
                 std::to_string(record.last_position()) + "-" + std::to_string(++seq_) + ".chunk";
  j.bytes = bytes.size();
  j.record = std::move(record);
  j.done = std::move(done);
  lock.unlock();
  // The spool keeps memory bounded while the store is down.
  if (auto st = write_file(j.spool_path, bytes); !st) {
    spdlog::warn("event=chunk_spool_failed path={} error=\"{}\"", j.spool_path, st.error().message);
    std::error_code ec;
    fs::remove(j.spool_path, ec);
    std::lock_guard relock(mu_);
    ++stats_.refused;
    return false;
  }
  lock.lock();
  stats_.backlog_bytes += j.bytes;
  ++stats_.backlog_chunks;
  queue_.push_back(std::move(j));
  lock.unlock();
  cv_.notify_all();
  return true;
}

shipper_stats blob_shipper::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

result<std::string> blob_shipper::upload(const job& j) {
  auto bytes = read_file(j.spool_path);
  if (!bytes) return std::move(bytes).error();
  std::string id = blob::sha256_hex(*bytes);
  std::string key = chunk_key(id);
  // Content-addressed: an object already there with our checksum is ours.
  auto have = store_->stat(key);
  if (!have || have->sha256 != id || have->size != bytes->size()) {
    if (auto st = store_->put_file(key, j.spool_path); !st) return std::move(st).error();
    have = store_->stat(key);
    if (!have) return std::move(have).error();
    if (have->sha256 != id || have->size != bytes->size()) {
      return make_error(errc::corrupt, "blob store recorded " + have->sha256 + " for chunk " + id);
    }
  }
  return id;
}

void blob_shipper::run() {
  auto backoff = opts_.retry_min;
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    job j = queue_.front();  // stays queued (and counted) until stored
    lock.unlock();
    auto id = upload(j);
    lock.lock();
    if (!id) {
      ++stats_.failed_attempts;
      stats_.store_reachable = false;
      stats_.last_error = id.error().message;
      spdlog::warn("event=chunk_upload_failed store={} chunk_last_position={} backlog={} error=\"{}\"",
                   stats_.store, j.record.last_position(), stats_.backlog_chunks, id.error().message);
      cv_.wait_for(lock, backoff, [&] { return stopping_; });
      backoff = std::min(backoff * 2, opts_.retry_max);
      continue;
    }
    backoff = opts_.retry_min;
    queue_.pop_front();
    if (!stats_.store_reachable) {
      spdlog::info("event=blob_store_reachable store={} backlog={}", stats_.store, stats_.backlog_chunks - 1);
    }
    stats_.store_reachable = true;
    ++stats_.stored_chunks;
    stats_.stored_bytes += j.bytes;
    stats_.backlog_bytes -= j.bytes;
    --stats_.backlog_chunks;
    lock.unlock();
    std::error_code ec;
    fs::remove(j.spool_path, ec);
    chunk_shipper::outcome o;
    o.record = std::move(j.record);
    o.record.set_chunk_id(*id);
    o.stored = true;
    j.done(std::move(o));
    lock.lock();
  }
}

}  // namespace ropekv::backup
