#pragma once
// A fresh directory for one test, removed afterwards. Under /dev/shm when
// it exists: the simulations open hundreds of SQLite files per run.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace ropekv::segment::test {

class temp_dir {
 public:
  temp_dir() {
    std::filesystem::path base = std::filesystem::temp_directory_path();
    std::error_code ec;
    if (std::getenv("TMPDIR") == nullptr && std::filesystem::is_directory("/dev/shm", ec)) base = "/dev/shm";
    std::string tmpl = (base / "ropekv-segment-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string sub(const std::string& name) const {
    auto p = path_ / name;
    std::filesystem::create_directories(p);
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace ropekv::segment::test
