#pragma once
// hook_secret: a new webhook signing secret for `hooks put` without
// --secret. The router keeps the secret and never shows it again, so the
// runner prints the generated one exactly once.
#include <string>

namespace ropekv::ctl {

/// "whsec_" + standard padded base64 of 32 bytes from std::random_device
/// (the kernel's CSPRNG with libstdc++ on Linux), the Standard Webhooks form
/// that placement's hook validation accepts (24..64 bytes).
std::string generate_hook_secret();

}  // namespace ropekv::ctl
