#include "ropekv/catalog/catalog_replicator.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace ropekv::catalog {
namespace {

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_u64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return v;
}

}  // namespace

std::string catalog_replicator::encode(uint64_t nonce, uint64_t seq, std::string_view changeset) {
  std::string out;
  out.reserve(16 + changeset.size());
  put_u64(out, nonce);
  put_u64(out, seq);
  out.append(changeset);
  return out;
}

result<std::unique_ptr<catalog_replicator>> catalog_replicator::open(const std::string& path, uint64_t nonce) {
  auto db = catalog_db::open(path);
  if (!db) return std::move(db).error();
  auto applied = (*db)->applied_index();
  if (!applied) return std::move(applied).error();
  return std::unique_ptr<catalog_replicator>(new catalog_replicator(std::move(*db), nonce, *applied));
}

void catalog_replicator::notify() {
  std::lock_guard<std::mutex> lk(cv_mu_);
  cv_.notify_all();
}

result<std::string> catalog_replicator::apply(uint64_t index, std::string_view command) {
  if (index <= applied_.load()) return std::string();  // replay after a restart
  if (command.size() < 16) {
    // Not ours (an empty entry): nothing to change, but the index moves.
    spdlog::warn("event=catalog_entry_malformed index={} bytes={}", index, command.size());
    if (auto st = db_->apply_changeset(index, {}); !st) return st.error();
    applied_ = index;
    return std::string();
  }
  uint64_t nonce = get_u64(command.substr(0, 8));
  uint64_t seq = get_u64(command.substr(8, 8));
  std::string_view changes = command.substr(16);
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (slot_ && nonce == nonce_ && seq == slot_->seq && slot_->state == slot_state::waiting) {
      auto st = slot_->db->commit_local(index);
      if (st) {
        slot_->state = slot_state::done;
        applied_ = index;
        notify();
        return std::string();
      }
      // The leader's connection could not commit: it rolls back, and this
      // connection applies the committed entry instead.
      spdlog::error("event=catalog_local_commit_failed index={} error=\"{}\"", index, st.error().message);
      slot_->state = slot_state::failed;
      slot_->failure = st.error();
      notify();
    }
  }
  if (auto st = db_->apply_changeset(index, changes); !st) return st.error();
  applied_ = index;
  ++foreign_;
  return std::string();
}

result<std::string> catalog_replicator::snapshot() { return db_->image(); }

status catalog_replicator::restore(uint64_t index, std::string_view image) {
  if (auto st = db_->restore_image(index, image); !st) return st;
  applied_ = index;
  ++foreign_;
  spdlog::info("event=catalog_restored index={} bytes={}", index, image.size());
  return {};
}

status catalog_replicator::replicate(catalog_db& db, std::string changeset) {
  if (!propose_) return make_error(errc::unavailable, "catalog replication is not wired");
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lk(mu_);
    seq = ++seq_;
    slot_ = waiter_slot{seq, &db, slot_state::waiting, std::nullopt};
  }
  auto forget = [this] {
    std::lock_guard<std::mutex> lk(mu_);
    slot_.reset();
  };
  auto st = propose_(encode(nonce_, seq, changeset), [this, seq](error e) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (slot_ && slot_->seq == seq && slot_->state == slot_state::waiting) {
        slot_->state = slot_state::failed;
        slot_->failure = std::move(e);
      }
    }
    notify();
  });
  if (!st) {
    forget();
    return st;
  }
  auto settled = [this] {
    std::lock_guard<std::mutex> lk(mu_);
    return slot_ && slot_->state != slot_state::waiting;
  };
  if (wait_) {
    wait_(settled, commit_timeout_);
  } else {
    auto deadline = std::chrono::steady_clock::now() + commit_timeout_;
    while (!settled() && std::chrono::steady_clock::now() < deadline) {
      std::unique_lock<std::mutex> lk(cv_mu_);
      cv_.wait_for(lk, std::chrono::milliseconds(2));
    }
  }
  std::lock_guard<std::mutex> lk(mu_);
  // Taking the slot away under the mutex is what "giving up" means: apply()
  // can no longer commit the caller's transaction, which it rolls back.
  auto slot = std::move(slot_);
  slot_.reset();
  if (slot && slot->state == slot_state::done) return {};
  if (slot && slot->state == slot_state::failed && slot->failure) return *slot->failure;
  return make_error(errc::unavailable, "catalog change not committed within " +
                                           std::to_string(commit_timeout_.count()) +
                                           " ms; it may still commit");
}

}  // namespace ropekv::catalog
