#include "group_bootstrap.hpp"

#include "group_identity.hpp"
#include "ropekv/consensus/raft_c.hpp"
#include "ropekv/consensus/raft_message_codec.hpp"
#include "ropekv/consensus/sqlite_log.hpp"

namespace ropekv::segment::detail {
namespace {

int raft_role(member_role role) {
  switch (role) {
    case member_role::voter: return RAFT_VOTER;
    case member_role::standby: return RAFT_STANDBY;
    case member_role::spare: return RAFT_SPARE;
  }
  return RAFT_SPARE;
}

result<std::string> encode_members(const std::vector<member_info>& members) {
  raft_configuration conf;
  raft_configuration_init(&conf);
  for (const auto& m : members) {
    if (raft_configuration_add(&conf, m.id.value, m.address.c_str(), raft_role(m.role)) != 0) {
      raft_configuration_close(&conf);
      return make_error(errc::invalid_argument, "bad member list (duplicate or zero id)");
    }
  }
  std::string out = consensus::encode_configuration(conf);
  raft_configuration_close(&conf);
  return out;
}

// fsm_adapter's snapshot image: u64 little-endian index, then the machine's bytes.
std::string fsm_image(uint64_t index, std::string_view store_image) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(index >> (8 * i));
  out.append(store_image);
  return out;
}

}  // namespace

status bootstrap_group(const std::string& path, uint64_t group, const std::vector<member_info>& members,
                       uint64_t index, std::string_view store_image, bool durable) {
  if (members.empty()) return make_error(errc::invalid_argument, "a group needs members");
  if (index == 0) return make_error(errc::invalid_argument, "bootstrap index must be positive");
  auto conf = encode_members(members);
  if (!conf) return std::move(conf).error();
  auto log = consensus::sqlite_log::open(path, consensus::sqlite_log_options{durable});
  if (!log) return std::move(log).error();
  auto hs = (*log)->load_hard_state();
  if (!hs) return std::move(hs).error();
  auto range = (*log)->entry_range();
  if (!range) return std::move(range).error();
  auto snap = (*log)->load_snapshot();
  if (!snap) return std::move(snap).error();
  if (hs->term != 0 || range->count != 0 || snap->has_value()) {
    return make_error(errc::already_exists, path + " already holds Raft state");
  }
  consensus::snapshot_record rec;
  rec.index = index;
  rec.term = 1;
  rec.conf_index = index;
  rec.conf = std::move(*conf);
  rec.data = fsm_image(index, store_image);
  if (auto st = (*log)->begin(); !st) return st;
  status st = (*log)->put_snapshot(rec);
  if (st) st = (*log)->put_hard_state(consensus::hard_state{1, 0});
  if (st) st = (*log)->commit();
  if (!st) {
    (*log)->rollback();
    return st;
  }
  // Last: a file without identity is an unfinished creation, never opened.
  return save_group_id(path, group);
}

}  // namespace ropekv::segment::detail
