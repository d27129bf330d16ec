#pragma once
// data_dir: the on-disk layout of one segment-owner, and nothing else.
//
//   <root>/node.id                        the id placement gave this node
//                                         (decimal text, replaced atomically)
//   <root>/segments/<group>.db            one SQLite file per replica this
//                                         owner created or joined (WAL mode:
//                                         -wal / -shm beside it)
//   <root>/segments/<group>.assignment    the last SegmentAssignment accepted
//                                         for that replica (binary protobuf,
//                                         replaced atomically): peers'
//                                         addresses and the assigned epoch
//                                         survive a restart with placement down
//   <root>/segments/segment-<id>.sqlite   right halves of splits, named by
//                                         libs/segment (split_executor)
//
// A replica file is named after its Raft *group* (the segment id it was
// created with); a split gives the left half a new segment id but it keeps
// its group and its file.
//
// Who touches it: the owner actor (one thread). Invariant: node.id and the
// assignment files are never seen half-written (write temp, fsync, rename,
// fsync the directory).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::segment_owner {

struct replica_file {
  segment_id group;
  std::string path;
};

class data_dir {
 public:
  /// Creates <root> and <root>/segments if missing.
  static result<data_dir> open(const std::string& root);

  const std::string& root() const noexcept { return root_; }
  const std::string& segments_dir() const noexcept { return segments_; }
  /// Where a replica this owner creates or joins lives.
  std::string replica_path(segment_id group) const;

  /// node_id{0} when there is no node.id yet; corrupt when it is unreadable.
  result<node_id> load_node_id() const;
  status save_node_id(node_id id) const;

  /// Every replica file (ours and split right halves), by group; temporary
  /// files of splits in progress are left out.
  std::vector<replica_file> replica_files() const;
  bool has_replica(segment_id group) const;

  /// nullopt when none was saved.
  result<std::optional<pb::SegmentAssignment>> load_assignment(segment_id group) const;
  status save_assignment(segment_id group, const pb::SegmentAssignment& assignment) const;

  /// Deletes the replica's SQLite file with its sidecars and its assignment.
  /// The replica must be closed.
  status remove_replica(const replica_file& file) const;

  /// Bytes on disk of a replica (file + WAL): its size for placement.
  static uint64_t replica_bytes(const std::string& path);

 private:
  data_dir(std::string root, std::string segments) : root_(std::move(root)), segments_(std::move(segments)) {}
  std::string assignment_path(segment_id group) const;

  std::string root_;
  std::string segments_;
};

/// Writes `bytes` to `path` so that readers see the old or the new content,
/// never a mix, and the new content survives a power cut once this returns.
status write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace ropekv::segment_owner
