#include "split_executor.hpp"

#include <charconv>
#include <filesystem>
#include <optional>

#include "group_bootstrap.hpp"
#include "group_identity.hpp"
#include "ropekv/store/segment_store.hpp"

namespace ropekv::segment::detail {
namespace {

namespace fs = std::filesystem;

constexpr const char* sidecars[] = {"", "-wal", "-shm", "-journal"};

void remove_db(const std::string& path) {
  std::error_code ec;
  for (const char* s : sidecars) fs::remove(path + s, ec);
}

status rename_db(const std::string& from, const std::string& to) {
  for (const char* s : sidecars) {
    std::error_code ec;
    if (!fs::exists(from + s, ec)) continue;
    fs::rename(from + s, to + s, ec);
    if (ec) return make_error(errc::io_error, "rename " + from + s + ": " + ec.message());
  }
  return {};
}

status apply_noop_at(store::segment_store& s, uint64_t index) {
  pb::Mutation noop;
  noop.mutable_noop();
  auto r = s.apply(noop, index);
  if (!r) return std::move(r).error();
  return {};
}

bool inside(const store::segment_meta& m, const std::string& key) {
  return key > m.start_key && (m.end_key.empty() || key < m.end_key);
}

}  // namespace

std::string split_executor::segment_path(uint64_t segment) const {
  return (fs::path(dir_) / ("segment-" + std::to_string(segment) + ".sqlite")).string();
}

std::string split_executor::temp_path(uint64_t index, const char* side) const {
  return (fs::path(dir_) / ("split-" + std::to_string(group_) + "-" + std::to_string(index) + "." +
                            side + ".tmp"))
      .string();
}

std::optional<std::string> split_executor::invalid(const store::segment_meta& meta,
                                                    const split_plan& plan) {
  const pb::Split& s = plan.split;
  if (!inside(meta, s.at_key())) return "split key not strictly inside the segment";
  if (s.left_segment_id() == 0 || s.right_segment_id() == 0 ||
      s.left_segment_id() == s.right_segment_id()) {
    return "split needs two distinct non-zero segment ids";
  }
  if (s.right_segment_id() == meta.segment_id) return "the right half needs a new segment id";
  if (plan.members.empty()) return "split entry lists no members";
  return std::nullopt;
}

result<split_outcome> split_executor::execute(store::segment_store& store, const split_plan& plan) {
  std::string left_tmp = temp_path(plan.index, "left");
  std::string right_tmp = temp_path(plan.index, "right");
  std::string right_final = segment_path(plan.split.right_segment_id());
  remove_db(left_tmp);  // leftovers of an attempt that crashed before its commit point
  remove_db(right_tmp);
  if (fs::exists(right_final)) {
    return make_error(errc::already_exists, right_final + " exists: segment ids must be new");
  }
  std::string left_image;
  std::string right_image;
  store::segment_meta right_meta;
  {
    auto halves = store.split(plan.split.at_key(), left_tmp, right_tmp, plan.split);
    if (!halves) return std::move(halves).error();
    if (auto st = apply_noop_at(*halves->left, plan.index); !st) return st.error();
    if (auto st = apply_noop_at(*halves->right, plan.index); !st) return st.error();
    auto li = halves->left->snapshot();
    if (!li) return std::move(li).error();
    auto ri = halves->right->snapshot();
    if (!ri) return std::move(ri).error();
    left_image = std::move(*li);
    right_image = std::move(*ri);
    right_meta = halves->right->meta();
  }  // both temporary stores closed here
  if (auto st = bootstrap_group(right_tmp, plan.split.right_segment_id(), plan.members, plan.index,
                                right_image, durable_);
      !st) {
    return st.error();
  }
  remove_db(left_tmp);
  // The commit point: from here on this replica holds the left half.
  if (auto st = store.install(left_image); !st) return st.error();
  if (auto st = rename_db(right_tmp, right_final); !st) return st.error();
  split_outcome out;
  out.index = plan.index;
  out.right_path = right_final;
  out.left = store.meta();
  out.right = right_meta;
  return out;
}

result<std::vector<std::string>> split_executor::recover(uint64_t applied_index) {
  std::vector<std::string> finished;
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return finished;
  std::string prefix = "split-" + std::to_string(group_) + "-";
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > 4 && name.ends_with(".tmp")) {
      found.push_back(entry.path());
    }
  }
  for (const auto& p : found) {
    std::string name = p.filename().string();
    uint64_t index = 0;
    const char* first = name.data() + prefix.size();
    auto [ptr, err] = std::from_chars(first, name.data() + name.size(), index);
    bool right = err == std::errc() && std::string_view(ptr).starts_with(".right.");
    if (right && index <= applied_index) {
      // Commit point reached before the crash: finish step 5.
      auto id = load_group_id(p.string());
      if (!id) return std::move(id).error();
      std::string final_path = segment_path(*id);
      if (auto st = rename_db(p.string(), final_path); !st) return st.error();
      finished.push_back(final_path);
    } else {
      remove_db(p.string());  // the entry replays and redoes the split
    }
  }
  return finished;
}

}  // namespace ropekv::segment::detail
