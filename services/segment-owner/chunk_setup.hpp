#pragma once
// Chunks on this owner (docs/backup.md): the blob store named by
// --blob-store, the shipper every hosted leader hands its chunks to, and
// its backlog as Prometheus series:
//   ropekv_owner_chunk_backlog_chunks    chunks waiting for the blob store
//   ropekv_owner_chunk_backlog_bytes     their bytes (spooled on local disk)
//   ropekv_owner_chunks_stored_total     chunks uploaded and verified
//   ropekv_owner_chunk_bytes_stored_total
//   ropekv_owner_chunk_upload_failures_total  failed attempts (retried)
//   ropekv_owner_chunks_refused_total    chunks refused for a full backlog
//   ropekv_owner_blob_store_reachable    1 when the last attempt succeeded
#include <memory>
#include <string>

#include "ropekv/backup/blob_shipper.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/net/metrics_registry.hpp"

namespace ropekv::segment_owner {

struct chunk_settings {
  std::string blob_store;            // URL; empty: no chunks
  uint64_t interval_ms = 30'000;
  uint64_t min_rows = 8192;
  uint64_t max_rows = 65536;
  uint64_t backlog_chunks = 256;
  uint64_t backlog_bytes = 4ull << 30;
};

/// Opens the store and starts the shipper, spooling in <data_dir>/chunk-spool.
/// nullptr when no store is configured.
result<std::shared_ptr<backup::blob_shipper>> start_chunk_shipper(const chunk_settings& s,
                                                                 const std::string& data_dir);

/// Families for the shipper's backlog, for metrics_registry::add_collector.
net::metrics_registry::collector chunk_metrics(std::shared_ptr<backup::blob_shipper> shipper);

}  // namespace ropekv::segment_owner
