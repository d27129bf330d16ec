#pragma once
// The chaos suite's checkers: each reads the run's records back and says
// whether what the clients saw is allowed.
//  - register: the register ops as a tests/linearizability history
//    (unknown outcomes may or may not have happened), per key;
//  - set: every acknowledged add is in the final read, no element twice,
//    nothing that was never added;
//  - bank: every snapshot totals the initial sum; with no transfer of
//    unknown outcome, the final balances are exactly the acknowledged ones.
// Pure functions of the records; no network.
#include <cstdint>
#include <string>
#include <vector>

#include "history_log.hpp"

namespace ropekv::chaos {

struct check_part {
  std::string name;          // register | set | bank
  bool valid = true;
  std::string details_json;  // counts, as a JSON object text
  std::vector<std::string> problems;
};

struct verdict {
  bool valid = true;
  uint64_t acknowledged_writes = 0;  // ok writes, cas, adds, transfers
  uint64_t lost_writes = 0;          // acknowledged adds missing at the end
  std::vector<check_part> parts;
  std::vector<std::string> problems;  // the run's own (crashes, no heal)
};

check_part check_register(const std::vector<op_record>& records);
check_part check_set(const std::vector<op_record>& records, uint64_t& acknowledged, uint64_t& lost);
check_part check_bank(const std::vector<op_record>& records, uint64_t& acknowledged);

/// All three, plus the counts.
verdict check_all(const std::vector<op_record>& records);

std::string to_json(const verdict& v);

}  // namespace ropekv::chaos
