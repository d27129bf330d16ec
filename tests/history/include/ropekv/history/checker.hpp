#pragma once
// check(): Adya's anomalies over a recorded transaction history (Adya,
// "Weak Consistency", 1999; as Elle reports them), from the direct
// serialization graph of its committed transactions:
//   ww  T1 -> T2  T2 installed the version of a key right after T1's;
//   wr  T1 -> T2  T2 read a version T1 installed;
//   rw  T1 -> T2  T1 read version v of a key and T2 installed the next one
//                 (an anti-dependency).
// Reported anomalies:
//   G0        a cycle of ww edges (dirty writes);
//   G1a       a committed transaction read a version an aborted one wrote;
//   G1b       it read a version its writer later overwrote itself
//             (an intermediate version);
//   G1c       a cycle of ww and wr edges with at least one wr;
//   G-single  a cycle with exactly one rw edge (read skew);
//   G2-item   a cycle with more rw edges (write skew);
//   lost-update: a G-single/G2-item whose cycle is two transactions that
//             read the same version of one key and both wrote it (named
//             in the anomaly's `detail`);
// and two violations of the model's own contract:
//   duplicate-version  two committed transactions installed one version of
//                      one key (a write applied twice, or a version reused);
//   garbage-read       a committed transaction read a version no
//                      transaction of the history wrote.
// A transaction with an unknown outcome counts as committed once another
// committed transaction read one of its writes, else it is left out.
// One anomaly per strongly connected component and kind, so a broken run
// does not flood the report. Pure function; no I/O.
#include <cstdint>
#include <string>
#include <vector>

#include "ropekv/history/history.hpp"

namespace ropekv::history {

enum class edge_kind : uint8_t { ww, wr, rw };
enum class anomaly_kind : uint8_t { g0, g1a, g1b, g1c, g_single, g2_item, duplicate_version, garbage_read };

const char* to_string(edge_kind k);
const char* to_string(anomaly_kind k);

struct edge {
  uint64_t from = 0;  // transaction ids
  uint64_t to = 0;
  edge_kind kind = edge_kind::ww;
  std::string key;    // the key that made the edge
};

struct anomaly {
  anomaly_kind kind = anomaly_kind::g0;
  std::vector<edge> cycle;  // for cycle anomalies: from->to, closing at the first from
  std::vector<uint64_t> txns;
  std::string detail;       // human-readable explanation
};

struct check_result {
  std::vector<anomaly> anomalies;
  size_t committed = 0;  // transactions in the graph
  size_t edges = 0;

  bool ok() const noexcept { return anomalies.empty(); }
  bool has(anomaly_kind k) const;
  size_t count(anomaly_kind k) const;
  /// "G2-item: T3 -rw(x)-> T5 -ww(x)-> T3 (lost update on x)\n…", at most `limit` anomalies.
  std::string report(size_t limit = 10) const;
};

[[nodiscard]] check_result check(const history& h);

}  // namespace ropekv::history
