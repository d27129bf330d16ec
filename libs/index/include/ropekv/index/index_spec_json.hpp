#pragma once
// The body of PUT /v1/tables/{t}/indexes/{name}:
//   {"attribute":"a.b.c", "type":"string"|"number", "projection":"keys"|"all",
//    "unique":false}
// attribute is required; type defaults to "string", projection to "all",
// unique to false. Unknown members are refused (a misspelt "projecton"
// must not silently index everything), as are members of the wrong JSON
// type. And the JSON view of a definition for GET.
#include <string_view>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::index {

/// invalid_argument with a message naming the member ("bad_attribute: ...",
/// "bad_type: ...", "bad_projection: ...", "unknown member ...") otherwise.
/// table and name are copied into the spec as given (the router checked them).
result<pb::IndexSpec> parse_index_spec(std::string_view body_json, std::string_view table,
                                       std::string_view name);

std::string_view type_name(pb::IndexType t);
std::string_view projection_name(pb::IndexProjection p);
std::string_view phase_name(pb::IndexReplicaPhase p);  // assigned|backfilling|active

/// Whether two definitions index the same thing (PUT of an existing name
/// with the same definition is a no-op 200; another one is 409).
bool same_definition(const pb::IndexSpec& a, const pb::IndexSpec& b);

}  // namespace ropekv::index
