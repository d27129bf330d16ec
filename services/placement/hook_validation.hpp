#pragma once
// Validation of a webhook spec sent to PutHookRequest (DESIGN §7, §8): the
// rules of libs/webhook (validate_hook), which the notifier that delivers
// the hook applies too, so placement never stores a hook no notifier can
// deliver. Pure: whether the table exists is placement_state's check.
#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::placement_service {

/// The spec as it will be stored. errc::invalid_argument, the message
/// starting with the field's code (bad_name, bad_url, bad_event,
/// bad_prefix, bad_secret, bad_table), for anything validate_hook refuses.
result<pb::HookSpec> validate_hook_spec(pb::HookSpec spec);

}  // namespace ropekv::placement_service
