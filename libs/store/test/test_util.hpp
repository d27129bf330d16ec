#pragma once
// Helpers shared by the store tests: temp directories and mutation builders.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"
#include "ropekv/store/segment_store.hpp"

namespace ropekv::store::test {

/// A fresh directory under TMPDIR, removed with everything in it.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct put_args {
  pb::Condition cond = pb::COND_NONE;
  uint64_t expected = 0;
  int64_t expires_ms = 0;
  std::optional<std::string> rk2{};
};

pb::Mutation make_put(uint32_t table, const std::string& hk, const std::string& rk,
                      const std::string& value, int64_t ts, const put_args& a = {});
pb::Mutation make_delete(uint32_t table, const std::string& hk, const std::string& rk, int64_t ts,
                         pb::Condition cond = pb::COND_NONE, uint64_t expected = 0);
pb::Mutation make_rollback(uint32_t table, uint16_t partition, uint64_t to, int64_t ts);
pb::Mutation make_noop(int64_t ts);

/// Opens or fails the test.
std::unique_ptr<segment_store> open_store(const std::string& path, store_options opts = {});

/// Applies or fails the test; returns the result.
pb::MutationResult must_apply(segment_store& s, const pb::Mutation& m, uint64_t index = 0);

uint16_t part(const std::string& hk);

/// Writes `bytes` to `path` (replacing it).
void write_file(const std::string& path, const std::string& bytes);

/// Runs SQL on a separate raw connection; returns the first column of the
/// first row as text (or "").
std::string raw_sql(const std::string& path, const std::string& sql);

/// Runs statements on a separate raw connection; returns "" or the error.
std::string raw_exec(const std::string& path, const std::string& sql);

}  // namespace ropekv::store::test
