#pragma once
// A fresh directory under $TMPDIR for one test, removed afterwards.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace ropekv::consensus::test {

class temp_dir {
 public:
  temp_dir() {
    auto base = std::filesystem::temp_directory_path() / "ropekv-consensus-XXXXXX";
    std::string tmpl = base.string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace ropekv::consensus::test
