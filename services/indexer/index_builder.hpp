#pragma once
// index_builder: the actor that keeps one replica of one global secondary
// index (DESIGN §7, docs/indexes.md), from its own SQLite file.
//
// Life of a replica:
//   1. backfill: the table's key ranges (one per segment when it starts)
//      are scanned, each at a change-feed position the first replica asked
//      picks (a consistent snapshot per range), paced to
//      indexer_options.backfill_rate. Progress is saved with every page,
//      so a restarted indexer goes on where it was.
//   2. active: a segment_feed tails the table from exactly the scan
//      positions. Each batch is applied in one transaction with the new
//      position; a rollback event makes the builder re-read the rolled-back
//      partition at the rollback's position and replace its rows. A feed
//      compacted past the saved position (an indexer away for longer than
//      the feed retention) starts the backfill over.
// Queries are answered here, in the actor, from the same file; with
// after= they wait (bounded) until the applied position covers every
// token.
//
// Messages: pb::IndexQueryRequest -> pb::IndexQueryReply;
// (retry_atom, reader id, token) timers of its feed and scanners;
// (tick_atom) its own report/expiry timer; (drop_atom) delete the file and
// quit (the index was dropped or moved away). It reports progress to the
// coordinator as pb::IndexReport messages.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <memory>

#include "indexer_shared.hpp"

namespace ropekv::indexer {

caf::actor spawn_index_builder(caf::actor_system& sys, std::shared_ptr<indexer_shared> shared,
                               caf::actor coordinator, pb::IndexDescriptor index);

/// The file of an index replica under data_dir (":memory:" when none).
std::string index_file(const indexer_options& options, uint32_t index_id);

}  // namespace ropekv::indexer
