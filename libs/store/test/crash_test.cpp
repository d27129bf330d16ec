// Crash safety: a child process applies writes and reports each one after
// apply() returned; the parent SIGKILLs it at a random moment, reopens the
// store and checks integrity, every acknowledged write, and aggregates.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

constexpr int hash_keys = 16;

std::string hk_of(uint64_t i) { return "hk" + std::to_string(i % hash_keys); }
std::string value_of(uint64_t i) { return "{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(i % 200, 'p') + "\"}"; }

// Child: writes keys from `first` on until killed; reports each acknowledged
// key index (8 bytes) on the pipe. Never returns.
[[noreturn]] void child(const std::string& path, uint64_t first, int fd, bool full_sync) {
  store_options o;
  o.synchronous_full = full_sync;
  auto s = segment_store::open(path, o);
  if (!s) _exit(2);
  auto& store = **s;
  for (uint64_t i = first;; ++i) {
    if (i % 5 == 4) {
      // A small group commit now and then.
      std::vector<pb::Mutation> ms;
      for (uint64_t j = 0; j < 8; ++j) {
        ms.push_back(make_put(1, hk_of(i + j), std::to_string(i + j), value_of(i + j),
                              static_cast<int64_t>(1'000'000 + i + j)));
      }
      std::vector<indexed_mutation> batch;
      for (uint64_t j = 0; j < 8; ++j) batch.push_back({&ms[j], i + j});
      if (!store.apply_batch(batch)) _exit(3);
      for (uint64_t j = 0; j < 8; ++j) {
        uint64_t k = i + j;
        if (write(fd, &k, sizeof k) != sizeof k) _exit(4);
      }
      i += 7;
      continue;
    }
    auto r = store.apply(make_put(1, hk_of(i), std::to_string(i), value_of(i), static_cast<int64_t>(1'000'000 + i)), i);
    if (!r || r->error_code() != 0) _exit(3);
    if (write(fd, &i, sizeof i) != sizeof i) _exit(4);
  }
}

TEST(store_crash, killed_writer_leaves_a_consistent_store) {
  temp_dir dir;
  auto path = dir.file("crash.db");
  std::mt19937 rng(1234);
  std::set<uint64_t> acked;
  uint64_t next = 1;
  for (int iter = 0; iter < 20; ++iter) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    bool full = iter % 2 == 0;
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      child(path, next, fds[1], full);
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 60)(rng)));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);
    uint64_t k = 0;
    size_t got = 0;
    while (read(fds[0], &k, sizeof k) == sizeof k) {
      acked.insert(k);
      ++got;
    }
    close(fds[0]);
    // Next child starts above anything a killed child may have written.
    if (!acked.empty()) next = std::max(next, *acked.rbegin() + 1);
    next += 64;

    ASSERT_EQ(raw_sql(path, "PRAGMA integrity_check"), "ok") << "iteration " << iter;
    auto s = open_store(path);
    ASSERT_TRUE(s);
    for (uint64_t i : acked) {
      auto it = s->get(1, hk_of(i), std::to_string(i), {});
      ASSERT_TRUE(it.ok()) << "iteration " << iter << " lost acknowledged key " << i;
      ASSERT_EQ(it->value(), value_of(i));
    }
    if (!acked.empty()) {
      EXPECT_GE(s->applied_index(), *acked.rbegin());
    }
    for (int h = 0; h < hash_keys; ++h) {
      auto hk = "hk" + std::to_string(h);
      auto info = s->partition(1, part(hk));
      auto recount = s->recount_partition(1, part(hk));
      ASSERT_TRUE(info.ok() && recount.ok());
      ASSERT_EQ(info->items, recount->items) << hk;
      ASSERT_EQ(info->bytes, recount->bytes) << hk;
    }
    (void)got;
  }
  EXPECT_GT(acked.size(), 100u);
}

}  // namespace
}  // namespace ropekv::store::test
