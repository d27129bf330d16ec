// file_check: the seal of a clean close catches any changed byte (also a
// value, which SQLite cannot see), quick_check catches structural damage,
// and a file without a seal, or with WAL content beside it, is not judged
// by a seal.
#include "file_check.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "temp_dir.hpp"

namespace ropekv::segment::test {
namespace {

void make_db(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string sql = "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT); BEGIN;";
  for (int i = 0; i < 500; ++i) sql += "INSERT INTO t(v) VALUES('good-" + std::to_string(i) + "');";
  sql += "COMMIT;";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(file_check, a_sealed_file_opens_once_and_the_seal_goes) {
  temp_dir d;
  std::string path = d.path().string() + "/a.db";
  make_db(path);
  EXPECT_TRUE(detail::check_seal(path).ok());  // no seal: nothing to compare
  ASSERT_TRUE(detail::write_seal(path).ok());
  EXPECT_TRUE(std::filesystem::exists(path + ".seal"));
  EXPECT_TRUE(detail::check_seal(path).ok());
  EXPECT_FALSE(std::filesystem::exists(path + ".seal"));
  EXPECT_TRUE(detail::quick_check(path).ok());
}

TEST(file_check, a_changed_value_breaks_the_seal_but_not_quick_check) {
  temp_dir d;
  std::string path = d.path().string() + "/a.db";
  make_db(path);
  ASSERT_TRUE(detail::write_seal(path).ok());
  std::string bytes = read_all(path);
  auto at = bytes.find("good-77");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'e';
  write_all(path, bytes);
  auto st = detail::check_seal(path);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, errc::corrupt);
  EXPECT_NE(st.error().message.find("seal"), std::string::npos) << st.error().message;
  // Exactly what SQLite's own structural check cannot see.
  EXPECT_TRUE(detail::quick_check(path).ok());
}

TEST(file_check, flipped_page_types_fail_quick_check) {
  temp_dir d;
  std::string path = d.path().string() + "/a.db";
  make_db(path);
  std::string bytes = read_all(path);
  size_t page = (static_cast<uint8_t>(bytes[16]) << 8) | static_cast<uint8_t>(bytes[17]);
  if (page == 1) page = 65536;
  for (size_t off = page; off + page <= bytes.size(); off += page) bytes[off] = static_cast<char>(bytes[off] ^ 0x55);
  write_all(path, bytes);
  auto st = detail::quick_check(path);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, errc::corrupt) << st.error().message;
}

TEST(file_check, not_a_database_is_corrupt) {
  temp_dir d;
  std::string path = d.path().string() + "/a.db";
  write_all(path, std::string(8192, 'x'));
  auto st = detail::quick_check(path);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, errc::corrupt) << st.error().message;
}

TEST(file_check, wal_content_beside_the_file_voids_the_seal) {
  temp_dir d;
  std::string path = d.path().string() + "/a.db";
  make_db(path);
  ASSERT_TRUE(detail::write_seal(path).ok());
  std::string bytes = read_all(path);
  bytes[bytes.find("good-5")] = 'e';
  write_all(path, bytes);
  write_all(path + "-wal", "not empty");
  EXPECT_TRUE(detail::check_seal(path).ok());  // the file alone was not what was sealed
  EXPECT_FALSE(std::filesystem::exists(path + ".seal"));
  detail::drop_seal(path);
}

}  // namespace
}  // namespace ropekv::segment::test
