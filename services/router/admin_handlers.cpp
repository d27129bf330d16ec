// Tables, hooks, indexes, splits and /v1/cluster: forwarded to placement through the placement
// link; placement's pb::Status decides the answer (409 already_exists,
// 404 not_found, 400 invalid_argument, ...). A placement that does not
// answer is 503 `unavailable`.
#include "handlers.hpp"
#include "hook_request.hpp"
#include "index_responses.hpp"
#include "ropekv/index/index_spec_json.hpp"
#include "responses.hpp"
#include "split_request.hpp"

namespace ropekv::router {
namespace {

net::http_error placement_error(const caf::error& err) {
  return net::http_error::from(errc::unavailable, "placement did not answer: " + caf::to_string(err));
}

// Sends `msg...` to placement (via the link); `ok` renders a successful reply.
// `ok_status` is a status, or a function of the reply giving one.
// Placement words a redefined index "index_exists: text": that code is the
// one the client sees, more precise than already_exists.
net::http_error typed_error_of(const pb::Status& status) {
  auto err = error_of(status);
  const auto& m = status.message();
  auto colon = m.find(": ");
  if (colon != std::string::npos &&
      (m.compare(0, colon, "index_exists") == 0 || m.compare(0, colon, "under_replicated") == 0)) {
    err.code = m.substr(0, colon);
    err.message = m.substr(colon + 2);
  }
  return err;
}

// An index definition's refusal names its member ("bad_type: ..."): that
// is the code the client sees (400 bad_attribute, bad_type, ...).
net::http_error spec_error(const ropekv::error& e) {
  auto err = net::http_error::from(e);
  auto colon = e.message.find(": ");
  if (colon != std::string::npos && e.message.compare(0, 4, "bad_") == 0 &&
      e.message.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == colon) {
    err.code = e.message.substr(0, colon);
    err.message = e.message.substr(colon + 2);
  }
  return err;
}

template <class Reply, class Status, class Render, class... Ts>
void ask_placement(request_runtime& rt, Status ok_status, Render render, Ts&&... msg) {
  rt.self()
      ->request(rt.link(), rt.bounded(rt.options().admin_timeout), std::forward<Ts>(msg)...)
      .then(
          [&rt, ok_status, render](Reply& reply) {
            if (rt.expire_if_due()) return;
            if (reply.status().error_code() != 0) return rt.fail(typed_error_of(reply.status()));
            unsigned status;
            if constexpr (std::is_invocable_v<Status, const Reply&>) status = ok_status(reply);
            else status = ok_status;
            rt.reply_json(status, render(reply));
          },
          [&rt](caf::error& err) {
            if (!rt.expire_if_due()) rt.fail(placement_error(err));
          });
}

}  // namespace

void handle_admin(request_runtime& rt) {
  const auto& req = rt.request();
  auto table_of = [&rt](const pb::TableReply& r) { return table_body(r, *rt.snapshot()); };
  auto hook_of = [](const pb::HookReply& r) { return hook_body(r.hook()); };
  switch (req.kind) {
    case net::api_kind::create_table: {
      const auto* spec = std::get_if<net::table_spec>(&req.body);
      if (!spec) return rt.fail(net::http_error::from(errc::invalid_argument, "table body missing"));
      pb::CreateTableRequest create;
      *create.mutable_schema() = schema_of(req.table, *spec);
      create.set_strict(spec->strict);
      return ask_placement<pb::TableReply>(rt, 201, table_of, std::move(create));
    }
    case net::api_kind::list_tables:
      return ask_placement<pb::TablesReply>(
          rt, 200, [&rt](const pb::TablesReply& r) { return tables_body(r, *rt.snapshot()); }, tables_atom_v);
    case net::api_kind::get_table:
      return ask_placement<pb::TableReply>(rt, 200, table_of, tables_atom_v, req.table);
    case net::api_kind::delete_table:
      return ask_placement<pb::TableReply>(rt, 200, table_of, drop_atom_v, req.table);
    case net::api_kind::put_hook: {
      const auto* body = std::get_if<net::json_object_text>(&req.body);
      if (!body) return rt.fail(net::http_error::from(errc::invalid_argument, "hook body missing"));
      auto spec = parse_hook_spec(req.name, body->json);
      if (!spec) return rt.fail(std::move(spec).error());
      pb::PutHookRequest put;
      *put.mutable_spec() = std::move(*spec);
      auto created = [](const pb::HookReply& r) { return r.created() ? 201u : 200u; };
      return ask_placement<pb::HookReply>(rt, created, hook_of, std::move(put));
    }
    case net::api_kind::list_hooks:
      return ask_placement<pb::HooksReply>(
          rt, 200u, [](const pb::HooksReply& r) { return hooks_body(r); }, hooks_atom_v);
    case net::api_kind::get_hook:
      return ask_placement<pb::HookReply>(rt, 200u, hook_of, hooks_atom_v, req.name);
    case net::api_kind::delete_hook:
      return ask_placement<pb::HookReply>(
          rt, 200u, [](const pb::HookReply& r) { return hook_deleted_body(r.hook()); }, hooks_atom_v,
          drop_atom_v, req.name);
    case net::api_kind::put_index: {
      const auto* body = std::get_if<net::json_object_text>(&req.body);
      if (!body) return rt.fail(net::http_error::from(errc::invalid_argument, "index body missing"));
      auto spec = index::parse_index_spec(body->json, req.table, req.name);
      if (!spec) return rt.fail(spec_error(spec.error()));
      pb::PutIndexRequest put;
      *put.mutable_spec() = std::move(*spec);
      auto created = [](const pb::IndexReply& r) { return r.created() ? 201u : 200u; };
      return ask_placement<pb::IndexReply>(
          rt, created, [](const pb::IndexReply& r) { return index_body(r.index()); }, std::move(put));
    }
    case net::api_kind::list_indexes:
      return ask_placement<pb::IndexesReply>(
          rt, 200u, [](const pb::IndexesReply& r) { return indexes_body(r); }, indexes_atom_v, req.table);
    case net::api_kind::get_index:
      return ask_placement<pb::IndexReply>(
          rt, 200u, [](const pb::IndexReply& r) { return index_body(r.index()); }, indexes_atom_v,
          req.table, req.name);
    case net::api_kind::delete_index:
      return ask_placement<pb::IndexReply>(
          rt, 200u, [](const pb::IndexReply& r) { return index_deleted_body(r.index()); },
          indexes_atom_v, drop_atom_v, req.table, req.name);
    case net::api_kind::split_table: {
      const auto* body = std::get_if<net::json_object_text>(&req.body);
      if (!body) return rt.fail(net::http_error::from(errc::invalid_argument, "split body missing"));
      auto snap = rt.snapshot();
      const auto* schema = snap->table(req.table);
      if (!schema) return rt.fail(net::http_error::from(errc::not_found, "table " + req.table + " does not exist"));
      auto split = split_request_of(*schema, snap->rope, body->json);
      if (!split) return rt.fail(std::move(split).error());
      return ask_placement<pb::SplitSegmentReply>(
          rt, 200, [&rt](const pb::SplitSegmentReply& r) { return split_body(r, *rt.snapshot()); },
          std::move(*split));
    }
    case net::api_kind::cluster:
      return ask_placement<pb::ClusterReply>(
          rt, 200, [&rt](const pb::ClusterReply& r) { return cluster_body(r, *rt.snapshot()); },
          cluster_atom_v);
    default:
      return rt.fail(net::http_error::from(errc::internal, "not an admin route"));
  }
}

}  // namespace ropekv::router
