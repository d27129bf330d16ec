#pragma once
// netns_fabric: the network of one chaos run. Every node gets its own
// network namespace, joined to one Linux bridge by a veth pair, with an
// address on a private /24; the bridge itself has .1, so the test process
// (in the root namespace) reaches every node. Firewall rules (nft, one
// table per namespace) and qdiscs (tc netem) on a node's side of its veth
// are how the nemeses cut and degrade the network.
//
// Names start with a per-run prefix ("rkc" + 5 hex digits) so runs never
// collide; a marker directory /run/ropekv-chaos/<prefix>/ holds the test's
// PID, and a later run removes what a crashed run of ours left behind
// (its namespaces, the processes in them, its bridge, its mounts).
// The destructor removes everything this run created, also after a failure.
// Driven from one thread (the test's).
#include <string>
#include <vector>

namespace ropekv::chaos {

class netns_fabric {
 public:
  /// Creates the bridge. Throws std::runtime_error when it cannot (not root,
  /// no CAP_NET_ADMIN, no `ip`): see available().
  netns_fabric();
  ~netns_fabric();
  netns_fabric(const netns_fabric&) = delete;
  netns_fabric& operator=(const netns_fabric&) = delete;

  /// "" when namespaces, veths and bridges can be made here; else why not.
  static std::string unavailable_reason();
  /// Removes what crashed runs (prefix rkc, owner PID gone) left behind.
  static void clean_leftovers();

  /// A namespace for `name` (letters, digits, '-') with a veth on the bridge;
  /// returns its index. Its address is address(index).
  unsigned add_node(const std::string& name);
  const std::string& address(unsigned node) const { return nodes_[node].address; }
  const std::string& name(unsigned node) const { return nodes_[node].name; }
  unsigned size() const noexcept { return static_cast<unsigned>(nodes_.size()); }
  const std::string& prefix() const noexcept { return prefix_; }
  const std::string& bridge_address() const noexcept { return bridge_address_; }

  /// argv that runs `argv` inside the node's namespace (same PID: ip execs it).
  std::vector<std::string> exec_in(unsigned node, std::vector<std::string> argv) const;

  /// Drops every packet `node` receives from the listed nodes (one-way:
  /// what it sends still arrives). Replaces the node's previous rule set.
  void drop_from(unsigned node, const std::vector<unsigned>& sources);
  /// tc netem on the node's interface, e.g. "delay 50ms 20ms loss 5%".
  void netem(unsigned node, const std::string& spec);
  /// Every rule and qdisc of every node removed.
  void heal();

  /// Records a mount point the destructor (or a leftover cleanup) unmounts.
  void note_mount(const std::string& path);

 private:
  struct node {
    std::string name;       // namespace name
    std::string dev;        // interface inside the namespace
    std::string host_dev;   // the bridge side
    std::string address;
    bool netem = false;
    bool rules = false;
  };
  std::string marker_dir() const;
  std::string prefix_;
  std::string subnet_;  // "10.a.b."
  std::string bridge_;
  std::string bridge_address_;
  std::vector<node> nodes_;
  std::vector<std::string> mounts_;
};

}  // namespace ropekv::chaos
