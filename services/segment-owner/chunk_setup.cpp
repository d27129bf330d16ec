#include "chunk_setup.hpp"

#include <spdlog/spdlog.h>

namespace ropekv::segment_owner {

result<std::shared_ptr<backup::blob_shipper>> start_chunk_shipper(const chunk_settings& s,
                                                                 const std::string& data_dir) {
  if (s.blob_store.empty()) return std::shared_ptr<backup::blob_shipper>{};
  auto store = blob::open_blob_store(s.blob_store);
  if (!store) return make_error(errc::invalid_argument, "--blob-store: " + store.error().message);
  backup::shipper_options o;
  o.spool_dir = data_dir + "/chunk-spool";
  o.max_chunks = s.backlog_chunks;
  o.max_bytes = s.backlog_bytes;
  auto shipper = backup::blob_shipper::start(std::move(*store), o);
  if (!shipper) return std::move(shipper).error();
  spdlog::info("event=chunks_enabled blob_store={} interval_ms={} min_rows={} max_rows={} backlog_chunks={}",
               (*shipper)->stats().store, s.interval_ms, s.min_rows, s.max_rows, s.backlog_chunks);
  return shipper;
}

net::metrics_registry::collector chunk_metrics(std::shared_ptr<backup::blob_shipper> shipper) {
  return [shipper] {
    auto st = shipper->stats();
    std::vector<prometheus::MetricFamily> out;
    auto add = [&](prometheus::MetricFamily f, double v) {
      net::add_sample(f, {}, v);
      out.push_back(std::move(f));
    };
    add(net::gauge_family("ropekv_owner_chunk_backlog_chunks", "Chunks waiting for the blob store"),
        static_cast<double>(st.backlog_chunks));
    add(net::gauge_family("ropekv_owner_chunk_backlog_bytes", "Bytes of chunks waiting for the blob store"),
        static_cast<double>(st.backlog_bytes));
    add(net::counter_family("ropekv_owner_chunks_stored_total", "Chunks uploaded and verified"),
        static_cast<double>(st.stored_chunks));
    add(net::counter_family("ropekv_owner_chunk_bytes_stored_total", "Bytes of chunks uploaded and verified"),
        static_cast<double>(st.stored_bytes));
    add(net::counter_family("ropekv_owner_chunk_upload_failures_total", "Chunk uploads that failed (retried)"),
        static_cast<double>(st.failed_attempts));
    add(net::counter_family("ropekv_owner_chunks_refused_total", "Chunks refused for a full backlog"),
        static_cast<double>(st.refused));
    add(net::gauge_family("ropekv_owner_blob_store_reachable", "1 when the last upload attempt succeeded"),
        st.store_reachable ? 1.0 : 0.0);
    return out;
  };
}

}  // namespace ropekv::segment_owner
