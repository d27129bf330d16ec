#include "hook_validation.hpp"

#include "ropekv/webhook/hook_validation.hpp"

namespace ropekv::placement_service {

result<pb::HookSpec> validate_hook_spec(pb::HookSpec spec) {
  auto checked = webhook::validate_hook(spec);
  if (!checked) return checked.error().to_error();
  return spec;
}

}  // namespace ropekv::placement_service
