#pragma once
// chaos_cluster: a RopeKV cluster whose every process (placements, owners,
// routers) runs in its own network namespace of a netns_fabric, on fixed
// ports of its own address. Each owner's data directory is a size-limited
// tmpfs this class mounts (the disk nemesis fills it), and every owner
// runs under libfaketime with its own offset file (the clock nemesis
// rewrites it; the monotonic clock is left alone, as a stepped wall clock
// would leave it).
//
// Owns the processes (stopped by PID in the destructor, also after a
// failure) and the mounts (unmounted by the fabric). Knows which processes
// it stopped on purpose, so one that died by itself is reported as a crash.
// Driven from one thread (the nemesis / test thread).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "netns_fabric.hpp"

namespace ropekv::chaos {

struct cluster_spec {
  unsigned placements = 0;     // 0: 3 where placement is a replicated group (its --help), else 1
  unsigned owners = 3;
  unsigned routers = 2;        // router i runs beside owner i's side of a partition
  std::string owner_args;      // extra flags for every owner, space-separated
  std::string owner_env;       // extra VAR=value words for every owner's environment
  std::string disk_size = "64m";
  bool faketime = false;       // owners under libfaketime (the clock nemesis)
  std::string request_deadline = "3s";
};

enum class role { placement, owner, router };
std::string to_string(role r);

class chaos_cluster {
 public:
  struct member {
    role kind = role::owner;
    unsigned index = 0;      // within its role
    unsigned node = 0;       // netns_fabric node
    std::string name;        // placement1, owner2, router1
    std::string data_dir;    // "" for routers
    std::string log;
    std::string clock_file;  // owners: libfaketime's offset file
    std::unique_ptr<integration::child_process> proc;
    bool paused = false;
    std::vector<std::string> exits;  // unexpected exits seen so far
  };

  chaos_cluster(netns_fabric& net, std::string dir, cluster_spec spec);
  ~chaos_cluster();

  /// Every process started, owners registered, routers ready.
  ::testing::AssertionResult start(std::chrono::milliseconds bound = std::chrono::seconds(90));

  std::vector<member>& members() { return members_; }
  member& placement(unsigned i) { return members_[i]; }
  member& owner(unsigned i) { return members_[spec_.placements + i]; }
  member& router(unsigned i) { return members_[spec_.placements + spec_.owners + i]; }
  const cluster_spec& spec() const noexcept { return spec_; }
  const std::string& address(const member& m) const { return net_.address(m.node); }
  static constexpr uint16_t router_port = 8080;

  /// Process control, by PID. kill9/stop leave it down until restart().
  void kill9(member& m);
  int stop(member& m);
  void pause(member& m);
  void resume(member& m);
  ::testing::AssertionResult restart(member& m);
  bool running(member& m);

  /// Processes that exited without being told to; each is noted in its
  /// member's `exits` and restarted so the run goes on. Returns their names.
  std::vector<std::string> reap_unexpected();

  /// Whole files of the owner's data dir that the disk nemesis may fill.
  std::string filler_path(const member& owner) const { return owner.data_dir + "/zz-chaos-filler"; }
  /// Writes libfaketime's offset ("+30", "-30", "+0": seconds) for one owner.
  void set_clock_offset(member& owner, const std::string& offset);

  std::string log_tails(size_t lines) const;
  /// --placement value for clients: every placement address.
  std::string placement_list() const;

 private:
  std::vector<std::string> argv_of(const member& m) const;
  netns_fabric& net_;
  std::string dir_;
  cluster_spec spec_;
  std::vector<member> members_;
};

}  // namespace ropekv::chaos
