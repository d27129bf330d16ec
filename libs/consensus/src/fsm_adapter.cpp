#include "ropekv/consensus/fsm_adapter.hpp"

#include <cstring>

namespace ropekv::consensus {

namespace {

constexpr size_t index_header = 8;

void put_u64(uint8_t* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t get_u64(const uint8_t* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(in[i]) << (8 * i);
  return v;
}

fsm_adapter* self(raft_fsm* fsm) { return static_cast<fsm_adapter*>(fsm->data); }

}  // namespace

fsm_adapter::fsm_adapter(state_machine& machine) : machine_(machine) {
  fsm_.version = 1;  // synchronous snapshots; c-raft frees the buffers
  fsm_.data = this;
  fsm_.apply = &fsm_adapter::apply_cb;
  fsm_.snapshot = &fsm_adapter::snapshot_cb;
  fsm_.restore = &fsm_adapter::restore_cb;
}

int fsm_adapter::apply_cb(raft_fsm* fsm, const raft_buffer* buf, void** result) {
  auto* a = self(fsm);
  // c-raft applies strictly in order and bumps last_applied after apply.
  uint64_t index = a->raft_ != nullptr ? a->raft_->last_applied + 1 : 0;
  std::string_view command(static_cast<const char*>(buf->base), buf->len);
  *result = nullptr;
  if (a->failed_) return RAFT_IOERR;
  if (a->machine_.batches()) {
    if (auto st = a->machine_.stage(index, command); !st) {
      a->last_error_ = st.error().message;
      a->failure_code_ = st.error().code;
      a->failed_ = true;
      return RAFT_IOERR;
    }
    return 0;
  }
  auto r = a->machine_.apply(index, command);
  if (!r) {
    a->last_error_ = r.error().message;
    *result = nullptr;
    return RAFT_IOERR;
  }
  a->last_result_ = std::move(*r);
  if (a->hook_) a->hook_(index, a->last_result_);
  *result = &a->last_result_;
  return 0;
}

status fsm_adapter::flush() {
  if (failed_) return make_error(failure_code_, "state machine failed: " + last_error_);
  auto st = machine_.flush([this](uint64_t index, std::string& result) {
    if (hook_) hook_(index, result);
  });
  if (!st) {
    last_error_ = st.error().message;
    failure_code_ = st.error().code;
    failed_ = true;
  }
  return st;
}

int fsm_adapter::snapshot_cb(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs) {
  auto* a = self(fsm);
  // The image must include what is staged: c-raft snapshots at last_applied.
  if (!a->flush()) return RAFT_IOERR;
  auto image = a->machine_.snapshot();
  if (!image) {
    a->last_error_ = image.error().message;
    return RAFT_IOERR;
  }
  auto* out = static_cast<raft_buffer*>(raft_malloc(sizeof(raft_buffer)));
  if (out == nullptr) return RAFT_NOMEM;
  out->len = index_header + image->size();
  out->base = raft_malloc(out->len);
  if (out->base == nullptr) {
    raft_free(out);
    return RAFT_NOMEM;
  }
  // c-raft takes the snapshot at last_applied.
  uint64_t index = a->raft_ != nullptr ? a->raft_->last_applied : 0;
  put_u64(static_cast<uint8_t*>(out->base), index);
  if (!image->empty()) {
    std::memcpy(static_cast<uint8_t*>(out->base) + index_header, image->data(), image->size());
  }
  *bufs = out;
  *n_bufs = 1;
  return 0;
}

int fsm_adapter::restore_cb(raft_fsm* fsm, raft_buffer* buf) {
  auto* a = self(fsm);
  if (buf->len < index_header) {
    a->last_error_ = "snapshot image shorter than its header";
    return RAFT_CORRUPT;
  }
  if (!a->flush()) return RAFT_IOERR;
  auto* bytes = static_cast<const uint8_t*>(buf->base);
  uint64_t index = get_u64(bytes);
  // A persistent machine that already holds this state (restart after a
  // snapshot) need not copy it again; entries above it replay idempotently.
  if (index == 0 || a->machine_.applied_index() < index) {
    std::string_view image(reinterpret_cast<const char*>(bytes) + index_header,
                           buf->len - index_header);
    auto st = a->machine_.restore(index, image);
    if (!st) {
      a->last_error_ = st.error().message;
      return RAFT_IOERR;
    }
  }
  // On success the buffer belongs to us (c-raft's contract).
  raft_free(buf->base);
  return 0;
}

}  // namespace ropekv::consensus
