#include "ropekv/notify/channel_registry.hpp"

namespace ropekv::notify {

join_outcome channel_registry::join(std::string_view channel, connection_id conn) {
  auto& mine = channels_[conn];
  if (mine.contains(channel)) return join_outcome::already_member;
  if (mine.size() >= max_per_connection_) {
    if (mine.empty()) channels_.erase(conn);  // keep the map free of empty sets
    return join_outcome::too_many_channels;
  }
  mine.emplace(channel);
  auto it = members_.find(channel);
  if (it == members_.end()) it = members_.emplace(std::string(channel), std::set<connection_id>{}).first;
  it->second.insert(conn);
  return join_outcome::joined;
}

bool channel_registry::leave(std::string_view channel, connection_id conn) {
  auto mine = channels_.find(conn);
  if (mine == channels_.end()) return false;
  auto entry = mine->second.find(channel);
  if (entry == mine->second.end()) return false;
  mine->second.erase(entry);
  if (mine->second.empty()) channels_.erase(mine);
  auto it = members_.find(channel);
  if (it != members_.end()) {
    it->second.erase(conn);
    if (it->second.empty()) members_.erase(it);
  }
  return true;
}

std::vector<connection_id> channel_registry::members(std::string_view channel) const {
  auto it = members_.find(channel);
  if (it == members_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<std::string> channel_registry::channels_of(connection_id conn) const {
  auto it = channels_.find(conn);
  if (it == channels_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<std::string> channel_registry::remove_connection(connection_id conn) {
  auto mine = channels_.find(conn);
  if (mine == channels_.end()) return {};
  std::vector<std::string> left(mine->second.begin(), mine->second.end());
  channels_.erase(mine);
  for (const auto& channel : left) {
    auto it = members_.find(channel);
    if (it == members_.end()) continue;
    it->second.erase(conn);
    if (it->second.empty()) members_.erase(it);
  }
  return left;
}

bool channel_registry::is_member(std::string_view channel, connection_id conn) const {
  auto it = members_.find(channel);
  return it != members_.end() && it->second.contains(conn);
}

}  // namespace ropekv::notify
