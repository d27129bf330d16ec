// data_dir: the owner's on-disk layout — node.id persistence, which files
// are replicas, assignment files, deleting a replica with its sidecars.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data_dir.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::segment_owner {
namespace {

namespace fs = std::filesystem;
using test_support::temp_dir;

void touch(const std::string& path, const std::string& text = "x") { std::ofstream(path) << text; }

TEST(data_dir, creates_the_layout_and_persists_the_node_id) {
  temp_dir tmp;
  auto dir = data_dir::open(tmp.file("owner"));
  ASSERT_TRUE(dir) << dir.error().message;
  EXPECT_TRUE(fs::is_directory(tmp.file("owner/segments")));
  EXPECT_EQ(dir->replica_path(segment_id{7}), tmp.file("owner/segments/7.db"));

  auto none = dir->load_node_id();
  ASSERT_TRUE(none);
  EXPECT_EQ(none->value, 0u);  // first start: ask placement for an id
  ASSERT_TRUE(dir->save_node_id(node_id{42}));
  EXPECT_FALSE(fs::exists(tmp.file("owner/node.id.tmp")));  // written through a rename

  auto again = data_dir::open(tmp.file("owner"));  // a restart
  ASSERT_TRUE(again);
  auto id = again->load_node_id();
  ASSERT_TRUE(id);
  EXPECT_EQ(id->value, 42u);
}

TEST(data_dir, an_unreadable_node_id_is_an_error_not_a_fresh_start) {
  temp_dir tmp;
  auto dir = data_dir::open(tmp.file("owner"));
  ASSERT_TRUE(dir);
  touch(tmp.file("owner/node.id"), "garbage\n");
  auto id = dir->load_node_id();
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, errc::corrupt);
}

TEST(data_dir, lists_own_files_and_split_halves_but_not_temporaries) {
  temp_dir tmp;
  auto dir = data_dir::open(tmp.file("owner"));
  ASSERT_TRUE(dir);
  const std::string seg = tmp.file("owner/segments/");
  touch(seg + "12.db");
  touch(seg + "12.db-wal");
  touch(seg + "3.db");
  touch(seg + "segment-40.sqlite");
  touch(seg + "split-3-17.right.sqlite");  // a split in progress
  touch(seg + "12.assignment");
  touch(seg + "notes.txt");
  auto files = dir->replica_files();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].group.value, 3u);
  EXPECT_EQ(files[1].group.value, 12u);
  EXPECT_EQ(files[2].group.value, 40u);
  EXPECT_EQ(files[2].path, seg + "segment-40.sqlite");
  EXPECT_TRUE(dir->has_replica(segment_id{40}));
  EXPECT_TRUE(dir->has_replica(segment_id{12}));
  EXPECT_FALSE(dir->has_replica(segment_id{17}));
}

TEST(data_dir, assignments_round_trip_and_go_with_their_replica) {
  temp_dir tmp;
  auto dir = data_dir::open(tmp.file("owner"));
  ASSERT_TRUE(dir);
  auto missing = dir->load_assignment(segment_id{5});
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->has_value());

  pb::SegmentAssignment a;
  a.mutable_segment()->set_id(5);
  a.mutable_segment()->set_epoch(3);
  a.mutable_segment()->add_replicas(1);
  a.add_peers()->set_address("127.0.0.1:9000");
  ASSERT_TRUE(dir->save_assignment(segment_id{5}, a));
  auto loaded = dir->load_assignment(segment_id{5});
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ((*loaded)->SerializeAsString(), a.SerializeAsString());

  const std::string db = dir->replica_path(segment_id{5});
  touch(db, std::string(1000, 'd'));
  touch(db + "-wal", std::string(500, 'w'));
  touch(db + "-shm");
  EXPECT_EQ(data_dir::replica_bytes(db), 1500u);
  ASSERT_TRUE(dir->remove_replica(replica_file{segment_id{5}, db}));
  for (const char* s : {"", "-wal", "-shm"}) EXPECT_FALSE(fs::exists(db + s)) << s;
  auto gone = dir->load_assignment(segment_id{5});
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
}

}  // namespace
}  // namespace ropekv::segment_owner
