#include "ropekv/consensus/raft_message_codec.hpp"

#include <cstring>

namespace ropekv::consensus {

namespace {

constexpr uint8_t format_version = 2;

class writer {
 public:
  explicit writer(std::string& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { fixed(v, 2); }
  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void blob64(const void* p, size_t n) {
    u64(n);
    if (n != 0) out_.append(static_cast<const char*>(p), n);
  }

 private:
  void fixed(uint64_t v, int n) {
    char b[8];
    for (int i = 0; i < n; ++i) b[i] = static_cast<char>(v >> (8 * i));
    out_.append(b, static_cast<size_t>(n));
  }
  std::string& out_;
};

// Bounds-checked reader: any short read latches `ok_ = false` and returns 0,
// so decoders check once at the end instead of after every field.
class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}
  uint8_t u8() { return static_cast<uint8_t>(fixed(1)); }
  uint16_t u16() { return static_cast<uint16_t>(fixed(2)); }
  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  std::string_view bytes(uint64_t n) {
    if (!ok_ || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    auto out = in_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::string_view str() { return bytes(u32()); }
  size_t remaining() const { return in_.size() - pos_; }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == in_.size(); }

 private:
  uint64_t fixed(int n) {
    if (!ok_ || static_cast<size_t>(n) > in_.size() - pos_) {
      ok_ = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
      v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    }
    pos_ += n;
    return v;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

error corrupt(const char* what) { return make_error(errc::corrupt, std::string("raft message: ") + what); }

void encode_conf(writer& w, const raft_configuration& conf) {
  w.u32(conf.n);
  for (unsigned i = 0; i < conf.n; ++i) {
    w.u64(conf.servers[i].id);
    w.u8(static_cast<uint8_t>(conf.servers[i].role));
    w.str(conf.servers[i].address != nullptr ? conf.servers[i].address : "");
  }
}

status decode_conf(reader& r, raft_configuration* out) {
  uint32_t n = r.u32();
  // Each server needs at least 13 bytes: refuse absurd counts up front.
  if (!r.ok() || n > r.remaining() / 13) return corrupt("configuration size");
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t id = r.u64();
    int role = r.u8();
    std::string address(r.str());
    if (!r.ok()) break;
    if (raft_configuration_add(out, id, address.c_str(), role) != 0) {
      raft_configuration_close(out);
      raft_configuration_init(out);
      return corrupt("configuration server");
    }
  }
  if (!r.ok()) {
    raft_configuration_close(out);
    raft_configuration_init(out);
    return corrupt("configuration truncated");
  }
  return {};
}

status decode_entries(reader& r, raft_append_entries& ae) {
  uint32_t n = r.u32();
  // 14 bytes minimum per entry (term, type, payload length).
  if (!r.ok() || n > r.remaining() / 14) return corrupt("entry count");
  ae.n_entries = n;
  ae.entries = nullptr;
  if (n == 0) return {};
  // First pass finds the batch size so all payloads share one allocation,
  // which is how c-raft expects received entries (one batch, freed once).
  reader probe = r;
  size_t total = 0;
  for (uint32_t i = 0; i < n; ++i) {
    probe.u64();
    probe.u16();
    total += probe.str().size();
  }
  if (!probe.ok()) return corrupt("entries truncated");
  ae.entries = static_cast<raft_entry*>(raft_calloc(n, sizeof(raft_entry)));
  // c-raft frees batch pointers it finds on entries, so even an all-empty
  // batch is a real allocation.
  auto* batch = static_cast<uint8_t*>(raft_malloc(total == 0 ? 1 : total));
  if (ae.entries == nullptr || batch == nullptr) {
    raft_free(ae.entries);
    raft_free(batch);
    ae.entries = nullptr;
    ae.n_entries = 0;
    return make_error(errc::internal, "out of memory decoding entries");
  }
  size_t off = 0;
  for (uint32_t i = 0; i < n; ++i) {
    raft_entry& e = ae.entries[i];
    e.term = r.u64();
    e.type = r.u16();
    auto payload = r.str();
    e.buf.base = batch + off;
    e.buf.len = payload.size();
    e.batch = batch;
    if (!payload.empty()) std::memcpy(batch + off, payload.data(), payload.size());
    off += payload.size();
  }
  return {};
}

}  // namespace

std::string encode_configuration(const raft_configuration& conf) {
  std::string out;
  writer w(out);
  encode_conf(w, conf);
  return out;
}

status decode_configuration(std::string_view bytes, raft_configuration* out) {
  reader r(bytes);
  if (auto st = decode_conf(r, out); !st) return st;
  if (!r.done()) {
    raft_configuration_close(out);
    raft_configuration_init(out);
    return corrupt("trailing configuration bytes");
  }
  return {};
}

std::string encode_message(const raft_message& m, uint64_t self_id, std::string_view self_address,
                           link_header link) {
  std::string out;
  size_t hint = 80 + self_address.size();
  if (m.type == RAFT_IO_APPEND_ENTRIES) {
    for (unsigned i = 0; i < m.append_entries.n_entries; ++i) {
      hint += 14 + m.append_entries.entries[i].buf.len;
    }
  } else if (m.type == RAFT_IO_INSTALL_SNAPSHOT) {
    hint += m.install_snapshot.data.len + 64 * m.install_snapshot.conf.n;
  }
  out.reserve(hint);
  writer w(out);
  w.u8(format_version);
  w.u8(static_cast<uint8_t>(m.type));
  w.u64(self_id);
  w.str(self_address);
  w.u64(link.seq);
  w.u64(link.ack);
  w.u64(link.incarnation);
  w.u64(link.ack_incarnation);
  switch (m.type) {
    case RAFT_IO_APPEND_ENTRIES: {
      const auto& a = m.append_entries;
      w.u64(a.term);
      w.u64(a.prev_log_index);
      w.u64(a.prev_log_term);
      w.u64(a.leader_commit);
      w.u32(a.n_entries);
      for (unsigned i = 0; i < a.n_entries; ++i) {
        const raft_entry& e = a.entries[i];
        w.u64(e.term);
        w.u16(e.type);
        w.str(std::string_view(static_cast<const char*>(e.buf.base), e.buf.len));
      }
      break;
    }
    case RAFT_IO_APPEND_ENTRIES_RESULT: {
      const auto& a = m.append_entries_result;
      w.u64(a.term);
      w.u64(a.rejected);
      w.u64(a.last_log_index);
      break;
    }
    case RAFT_IO_REQUEST_VOTE: {
      const auto& a = m.request_vote;
      w.u64(a.term);
      w.u64(a.candidate_id);
      w.u64(a.last_log_index);
      w.u64(a.last_log_term);
      w.u8(static_cast<uint8_t>((a.disrupt_leader ? 1 : 0) | (a.pre_vote ? 2 : 0)));
      break;
    }
    case RAFT_IO_REQUEST_VOTE_RESULT: {
      const auto& a = m.request_vote_result;
      w.u64(a.term);
      w.u8(a.vote_granted ? 1 : 0);
      w.u8(static_cast<uint8_t>(a.pre_vote));
      break;
    }
    case RAFT_IO_INSTALL_SNAPSHOT: {
      const auto& a = m.install_snapshot;
      w.u64(a.term);
      w.u64(a.last_index);
      w.u64(a.last_term);
      encode_conf(w, a.conf);
      w.u64(a.conf_index);
      w.blob64(a.data.base, a.data.len);
      break;
    }
    case RAFT_IO_TIMEOUT_NOW: {
      const auto& a = m.timeout_now;
      w.u64(a.term);
      w.u64(a.last_log_index);
      w.u64(a.last_log_term);
      break;
    }
    default:
      break;  // unknown types are sent header-only and rejected on decode
  }
  return out;
}

decoded_message::~decoded_message() {
  if (!owns_) return;
  switch (msg_.type) {
    case RAFT_IO_APPEND_ENTRIES:
      if (msg_.append_entries.entries != nullptr) {
        raft_free(msg_.append_entries.entries[0].batch);
        raft_free(msg_.append_entries.entries);
      }
      break;
    case RAFT_IO_INSTALL_SNAPSHOT:
      raft_configuration_close(&msg_.install_snapshot.conf);
      raft_free(msg_.install_snapshot.data.base);
      break;
    default:
      break;
  }
}

result<std::unique_ptr<decoded_message>> decode_message(std::string_view bytes) {
  reader r(bytes);
  if (r.u8() != format_version) return corrupt("format version");
  auto out = std::make_unique<decoded_message>();
  raft_message& m = out->msg_;
  m.type = r.u8();
  m.server_id = r.u64();
  out->address_ = std::string(r.str());
  m.server_address = out->address_.c_str();
  out->link_.seq = r.u64();
  out->link_.ack = r.u64();
  out->link_.incarnation = r.u64();
  out->link_.ack_incarnation = r.u64();
  if (!r.ok()) return corrupt("header");
  switch (m.type) {
    case RAFT_IO_APPEND_ENTRIES: {
      auto& a = m.append_entries;
      a.term = r.u64();
      a.prev_log_index = r.u64();
      a.prev_log_term = r.u64();
      a.leader_commit = r.u64();
      if (!r.ok()) return corrupt("append entries header");
      if (auto st = decode_entries(r, a); !st) return st.error();
      out->owns_ = true;
      break;
    }
    case RAFT_IO_APPEND_ENTRIES_RESULT: {
      auto& a = m.append_entries_result;
      a.term = r.u64();
      a.rejected = r.u64();
      a.last_log_index = r.u64();
      break;
    }
    case RAFT_IO_REQUEST_VOTE: {
      auto& a = m.request_vote;
      a.term = r.u64();
      a.candidate_id = r.u64();
      a.last_log_index = r.u64();
      a.last_log_term = r.u64();
      uint8_t flags = r.u8();
      a.disrupt_leader = (flags & 1) != 0;
      a.pre_vote = (flags & 2) != 0;
      break;
    }
    case RAFT_IO_REQUEST_VOTE_RESULT: {
      auto& a = m.request_vote_result;
      a.term = r.u64();
      a.vote_granted = r.u8() != 0;
      uint8_t tri = r.u8();
      if (tri > raft_tribool_false) return corrupt("pre_vote tribool");
      a.pre_vote = static_cast<raft_tribool>(tri);
      break;
    }
    case RAFT_IO_INSTALL_SNAPSHOT: {
      auto& a = m.install_snapshot;
      a.term = r.u64();
      a.last_index = r.u64();
      a.last_term = r.u64();
      raft_configuration_init(&a.conf);
      a.data.base = nullptr;
      a.data.len = 0;
      out->owns_ = true;  // from here the destructor frees conf and data
      if (auto st = decode_conf(r, &a.conf); !st) return st.error();
      a.conf_index = r.u64();
      uint64_t n = r.u64();
      auto data = r.bytes(n);
      if (!r.ok()) return corrupt("snapshot data");
      // c-raft hands this buffer to the fsm, which frees it: never NULL.
      a.data.base = raft_malloc(n == 0 ? 1 : n);
      if (a.data.base == nullptr) return make_error(errc::internal, "out of memory decoding snapshot");
      a.data.len = n;
      if (n != 0) std::memcpy(a.data.base, data.data(), n);
      break;
    }
    case RAFT_IO_TIMEOUT_NOW: {
      auto& a = m.timeout_now;
      a.term = r.u64();
      a.last_log_index = r.u64();
      a.last_log_term = r.u64();
      break;
    }
    default:
      return corrupt("unknown type");
  }
  if (!r.done()) return corrupt("truncated or trailing bytes");
  return out;
}

}  // namespace ropekv::consensus
