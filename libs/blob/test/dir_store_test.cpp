// The directory store through open_blob_store("file://..."), on a real
// filesystem: round trips, listing, atomicity after a simulated crash,
// corruption detection.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <filesystem>

#include "dir_store.hpp"
#include "ropekv/blob/blob_store.hpp"
#include "temp_dir.hpp"

namespace ropekv::blob {
namespace {

namespace fs = std::filesystem;
using testing::pattern_bytes;
using testing::read_file;
using testing::write_file;

class DirStore : public ::testing::Test {
 protected:
  void SetUp() override { store_ = open_store(); }

  std::unique_ptr<blob_store> open_store() {
    auto s = open_blob_store("file://" + root(), {});
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
  std::string root() const { return dir_.path() + "/store"; }
  std::string tmp_area() const { return root() + "/.ropekv-tmp"; }

  testing::temp_dir dir_;
  testing::temp_dir local_;
  std::unique_ptr<blob_store> store_;
};

TEST_F(DirStore, PutGetStatRoundTrip) {
  ASSERT_TRUE(store_->put("chunks/ab/abc", "hello"));
  auto got = store_->get("chunks/ab/abc");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, "hello");
  auto st = store_->stat("chunks/ab/abc");
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_EQ(st->key, "chunks/ab/abc");
  EXPECT_EQ(st->size, 5u);
  EXPECT_EQ(st->sha256, sha256_hex("hello"));
  // Stored as a plain file at <root>/<key>.
  EXPECT_EQ(read_file(root() + "/chunks/ab/abc"), "hello");
  EXPECT_EQ(store_->describe(), "file://" + root());
}

TEST_F(DirStore, EmptyObjectAndReplace) {
  ASSERT_TRUE(store_->put("k", ""));
  EXPECT_EQ(*store_->get("k"), "");
  ASSERT_TRUE(store_->put("k", "second"));
  EXPECT_EQ(*store_->get("k"), "second");
  EXPECT_EQ(store_->stat("k")->sha256, sha256_hex("second"));
}

TEST_F(DirStore, MissingIsNotFound) {
  EXPECT_EQ(store_->get("nope").error().code, errc::not_found);
  EXPECT_EQ(store_->stat("a/b").error().code, errc::not_found);
  EXPECT_EQ(store_->get_file("nope", local_.path() + "/x").error().code, errc::not_found);
  ASSERT_TRUE(store_->put("dir/obj", "x"));
  EXPECT_EQ(store_->get("dir").error().code, errc::not_found);   // a "directory" is no object
  EXPECT_EQ(store_->get("dir/obj/deeper").error().code, errc::not_found);
}

TEST_F(DirStore, RejectsBadKeys) {
  for (const char* k : {"../escape", "/etc/passwd", "a/../../b", "", "a//b", ".ropekv-tmp/x"}) {
    EXPECT_EQ(store_->put(k, "x").error().code, errc::invalid_argument) << k;
    EXPECT_EQ(store_->get(k).error().code, errc::invalid_argument) << k;
    EXPECT_EQ(store_->remove(k).error().code, errc::invalid_argument) << k;
  }
  EXPECT_FALSE(fs::exists(dir_.path() + "/escape"));
  EXPECT_EQ(store_->list("../").error().code, errc::invalid_argument);
}

TEST_F(DirStore, KeyThatIsAPrefixDirectoryIsRefused) {
  ASSERT_TRUE(store_->put("a/b", "1"));
  EXPECT_EQ(store_->put("a", "2").error().code, errc::invalid_argument);
  EXPECT_EQ(store_->put("a/b/c", "3").error().code, errc::invalid_argument);
  EXPECT_EQ(*store_->get("a/b"), "1");
}

TEST_F(DirStore, ListIsSortedAndFiltered) {
  for (const char* k : {"m/2", "b", "m/1", "m/10/x", "a/z", "ma"}) ASSERT_TRUE(store_->put(k, k));
  auto all = store_->list("");
  ASSERT_TRUE(all) << all.error().message;
  std::vector<std::string> keys;
  for (auto& i : *all) keys.push_back(i.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/z", "b", "m/1", "m/10/x", "m/2", "ma"}));
  EXPECT_EQ((*all)[0].size, 3u);
  EXPECT_EQ((*all)[0].sha256, sha256_hex("a/z"));

  keys.clear();
  auto m1 = store_->list("m/1");
  for (auto& i : *m1) keys.push_back(i.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"m/1", "m/10/x"}));
  keys.clear();
  auto m = store_->list("m");
  for (auto& i : *m) keys.push_back(i.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"m/1", "m/10/x", "m/2", "ma"}));
  EXPECT_TRUE(store_->list("nothing/here/")->empty());
}

TEST_F(DirStore, RemoveIsIdempotent) {
  ASSERT_TRUE(store_->put("x/y", "1"));
  ASSERT_TRUE(store_->remove("x/y"));
  EXPECT_EQ(store_->get("x/y").error().code, errc::not_found);
  EXPECT_TRUE(store_->remove("x/y"));
  EXPECT_TRUE(store_->remove("never/was"));
  EXPECT_TRUE(store_->list("")->empty());
}

TEST_F(DirStore, FileRoundTrip) {
  std::string data = pattern_bytes(3 * 1024 * 1024 + 17, 42);
  write_file(local_.path() + "/in", data);
  ASSERT_TRUE(store_->put_file("big/one", local_.path() + "/in"));
  EXPECT_EQ(store_->stat("big/one")->sha256, sha256_hex(data));
  ASSERT_TRUE(store_->get_file("big/one", local_.path() + "/out"));
  EXPECT_EQ(read_file(local_.path() + "/out"), data);
  EXPECT_EQ(*store_->get("big/one"), data);
  EXPECT_EQ(store_->put_file("k", local_.path() + "/missing").error().code, errc::not_found);
}

// A writer killed between writing its temporary file and the rename leaves
// that file behind: readers, lists and later writers ignore it, and the
// old object stays whole.
TEST_F(DirStore, LeftoverTempFileIsIgnored) {
  ASSERT_TRUE(store_->put("obj", "old"));
  write_file(tmp_area() + "/12345-dead-0", "half of the new vers");
  auto reopened = open_store();
  ASSERT_TRUE(reopened);
  EXPECT_EQ(*reopened->get("obj"), "old");
  auto all = reopened->list("");
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].key, "obj");
  ASSERT_TRUE(reopened->put("obj", "new"));
  EXPECT_EQ(*reopened->get("obj"), "new");
  // A young temporary file may belong to a live writer: kept at open.
  EXPECT_TRUE(fs::exists(tmp_area() + "/12345-dead-0"));
}

TEST_F(DirStore, StaleTempFilesAreDeletedAtOpen) {
  std::string stale = tmp_area() + "/1-old-0";
  write_file(stale, "x");
  struct timespec times[2] = {{1'000'000'000, 0}, {1'000'000'000, 0}};  // 2001
  ASSERT_EQ(::utimensat(AT_FDCWD, stale.c_str(), times, 0), 0);
  auto reopened = open_store();
  ASSERT_TRUE(reopened);
  EXPECT_FALSE(fs::exists(stale));
}

TEST_F(DirStore, FlippedByteIsCorrupt) {
  std::string data = pattern_bytes(100'000, 9);
  ASSERT_TRUE(store_->put("c/obj", data));
  std::string on_disk = read_file(root() + "/c/obj");
  ASSERT_EQ(on_disk, data);
  // Flip one byte in place (same inode, so the recorded checksum stays).
  FILE* f = std::fopen((root() + "/c/obj").c_str(), "r+b");
  ASSERT_NE(f, nullptr);
  std::fseek(f, 5000, SEEK_SET);
  std::fputc(static_cast<unsigned char>(data[5000]) ^ 0x01, f);
  std::fclose(f);

  auto got = store_->get("c/obj");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::corrupt);
  // get_file verifies before it publishes: an existing destination is kept.
  write_file(local_.path() + "/dest", "previous");
  auto s = store_->get_file("c/obj", local_.path() + "/dest");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::corrupt);
  EXPECT_EQ(read_file(local_.path() + "/dest"), "previous");
  size_t files = 0;
  for (auto& e : fs::directory_iterator(local_.path())) files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1u);  // no temporary file left behind
}

TEST_F(DirStore, ObjectWithoutChecksumIsCorrupt) {
  fs::create_directories(root() + "/dropped");
  write_file(root() + "/dropped/in", "by hand");
  EXPECT_EQ(store_->get("dropped/in").error().code, errc::corrupt);
  EXPECT_EQ(store_->stat("dropped/in").error().code, errc::corrupt);
}

TEST_F(DirStore, TruncatedObjectIsCorrupt) {
  ASSERT_TRUE(store_->put("t", "0123456789"));
  ASSERT_EQ(::truncate((root() + "/t").c_str(), 4), 0);
  EXPECT_EQ(store_->get("t").error().code, errc::corrupt);
}

TEST(DirStoreOpen, NeedsAbsolutePath) {
  auto s = open_blob_store("file://relative/path");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, errc::invalid_argument);
}

TEST(DirStoreOpen, RootThatIsAFileIsRefused) {
  testing::temp_dir dir;
  write_file(dir.path() + "/f", "x");
  auto s = open_blob_store("file://" + dir.path() + "/f");
  ASSERT_FALSE(s);
}

}  // namespace
}  // namespace ropekv::blob
