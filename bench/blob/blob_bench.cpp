// blob_bench: raw throughput of the blob stores (libs/blob) against a plain
// `cp` of the same file, in the same run. Each round copies one file with
// cp, then put_file/get_file through file:// and through s3:// (s3rver on
// 127.0.0.1, started here and stopped by PID); rounds interleave so machine
// noise hits every side alike. Figures are medians over the rounds.
//
//   blob_bench [--quick] [--size-mib=N] [--rounds=N] [--dir=PATH]
//
// Prints one JSON object on stdout; progress goes to stderr. Exit 1 when a
// transfer fails or reads back other bytes.
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ropekv/blob/blob_store.hpp"
#include "s3rver_process.hpp"
#include "temp_dir.hpp"

extern char** environ;

namespace {

using namespace ropekv;
using clock_type = std::chrono::steady_clock;

struct config {
  bool quick = false;
  size_t size_mib = 64;
  size_t rounds = 5;
  std::string dir;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "blob_bench: %s\n", what.c_str());
  std::exit(1);
}

void must(const status& s, const std::string& what) {
  if (!s) die(what + ": " + s.error().message);
}

config parse(int argc, char** argv) {
  config c;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      size_t n = std::strlen(name);
      return a.compare(0, n, name) == 0 && a.size() > n && a[n] == '=' ? a.c_str() + n + 1 : nullptr;
    };
    if (a == "--quick") {
      c.quick = true;
      c.size_mib = 20;  // still above the 16 MiB multipart threshold
      c.rounds = 2;
    } else if (auto v = value("--size-mib")) {
      c.size_mib = std::strtoul(v, nullptr, 10);
    } else if (auto v = value("--rounds")) {
      c.rounds = std::strtoul(v, nullptr, 10);
    } else if (auto v = value("--dir")) {
      c.dir = v;
    } else if (a == "--help" || a == "-h") {
      std::puts("blob_bench [--quick] [--size-mib=N] [--rounds=N] [--dir=PATH]");
      std::exit(0);
    } else {
      std::fprintf(stderr, "blob_bench: unknown option %s (see --help)\n", a.c_str());
      std::exit(2);
    }
  }
  if (c.size_mib == 0 || c.rounds == 0) {
    std::fprintf(stderr, "blob_bench: --size-mib and --rounds must be > 0\n");
    std::exit(2);
  }
  return c;
}

double seconds_of(const std::function<void()>& f) {
  auto start = clock_type::now();
  f();
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

void run_cp(const std::string& from, const std::string& to) {
  std::vector<std::string> args{"cp", from, to};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, "cp", nullptr, nullptr, argv.data(), environ) != 0) die("cannot run cp");
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) die("cp failed");
}

void fsync_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) die("fsync " + path + ": " + std::strerror(errno));
  ::close(fd);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string ratio(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string samples(const std::vector<double>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + num(v[i]);
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  config cfg = parse(argc, argv);
  std::unique_ptr<blob::testing::temp_dir> own_dir;
  if (cfg.dir.empty()) {
    own_dir = std::make_unique<blob::testing::temp_dir>();
    cfg.dir = own_dir->path();
  }
  std::filesystem::create_directories(cfg.dir);
  const uint64_t bytes = cfg.size_mib << 20;
  const std::string src = cfg.dir + "/source.bin";
  const std::string dst = cfg.dir + "/copy.bin";
  {
    std::fprintf(stderr, "blob_bench: writing a %zu MiB source file\n", cfg.size_mib);
    std::ofstream out(src, std::ios::binary);
    std::string block = blob::testing::pattern_bytes(1 << 20, 1);
    for (size_t i = 0; i < cfg.size_mib; ++i) {
      block[0] = static_cast<char>(i);  // no two MiB alike
      out.write(block.data(), static_cast<std::streamsize>(block.size()));
    }
  }
  const std::string source_sha = blob::sha256_hex(blob::testing::read_file(src));

  blob::testing::s3rver_process server(cfg.dir + "/s3rver");
  try {
    server.start();
  } catch (const std::exception& e) {
    die(e.what());
  }
  blob::blob_options s3_options;
  s3_options.access_key = "S3RVER";
  s3_options.secret_key = "S3RVER";
  s3_options.timeout = std::chrono::seconds(60);
  auto file_store = blob::open_blob_store("file://" + cfg.dir + "/file-store");
  auto s3_store = blob::open_blob_store("s3://test-bucket/bench?endpoint=" + server.endpoint(), s3_options);
  if (!file_store) die(file_store.error().message);
  if (!s3_store) die(s3_store.error().message);

  auto check_copy = [&](const std::string& what) {
    auto d = blob::sha256_hex(blob::testing::read_file(dst));
    if (d != source_sha) die(what + " read back other bytes");
    std::filesystem::remove(dst);
  };

  std::map<std::string, std::vector<double>> mbps;  // side -> MB/s per round
  const double mb = static_cast<double>(bytes) / 1e6;
  for (size_t round = 0; round < cfg.rounds; ++round) {
    std::fprintf(stderr, "blob_bench: round %zu/%zu\n", round + 1, cfg.rounds);
    mbps["cp"].push_back(mb / seconds_of([&] { run_cp(src, dst); }));
    check_copy("cp");
    // cp made as durable as a put: the copy fsynced before it counts.
    mbps["cp_fsync"].push_back(mb / seconds_of([&] {
      run_cp(src, dst);
      fsync_file(dst);
    }));
    check_copy("cp + fsync");
    for (auto& [name, store] : {std::pair<const char*, blob::blob_store*>{"file", file_store->get()},
                                std::pair<const char*, blob::blob_store*>{"s3", s3_store->get()}}) {
      std::string key = "round-" + std::to_string(round);
      mbps[std::string(name) + "_put"].push_back(mb / seconds_of([&] { must(store->put_file(key, src), name); }));
      mbps[std::string(name) + "_get"].push_back(mb / seconds_of([&] { must(store->get_file(key, dst), name); }));
      check_copy(name);
      must(store->remove(key), name);
    }
  }
  server.stop();

  double cp = median(mbps["cp"]);
  double cp_fsync = median(mbps["cp_fsync"]);
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string json = "{\"bench\":\"blob\",\"date\":\"" + std::string(date) + "\",\"quick\":" +
                     (cfg.quick ? "true" : "false") + ",\"size_mib\":" + std::to_string(cfg.size_mib) +
                     ",\"rounds\":" + std::to_string(cfg.rounds) +
                     ",\"baseline\":\"cp of the same file, same run (and cp + fsync of the copy)\",\"cp_mbps\":" +
                     num(cp) + ",\"cp_fsync_mbps\":" + num(cp_fsync);
  for (const char* side : {"file", "s3"}) {
    double put = median(mbps[std::string(side) + "_put"]);
    double get = median(mbps[std::string(side) + "_get"]);
    json += ",\"" + std::string(side) + "\":{\"put_file_mbps\":" + num(put) + ",\"get_file_mbps\":" + num(get) +
            ",\"put_vs_cp\":" + ratio(put / cp) + ",\"get_vs_cp\":" + ratio(get / cp) +
            ",\"put_vs_cp_fsync\":" + ratio(put / cp_fsync) + ",\"get_vs_cp_fsync\":" + ratio(get / cp_fsync) + "}";
  }
  json += ",\"samples_mbps\":{";
  bool first = true;
  for (const auto& [side, v] : mbps) {
    json += (first ? "\"" : ",\"") + side + "\":" + samples(v);
    first = false;
  }
  json += "}}";
  std::puts(json.c_str());
  return 0;
}
