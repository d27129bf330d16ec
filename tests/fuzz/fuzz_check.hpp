#pragma once
// Invariant checks for the fuzz targets. A failed check prints what broke
// and aborts, which libFuzzer reports as a crash and saves the input (the
// project's assert() is compiled in too: cmake/Sanitizers.cmake -UNDEBUG).
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define ROPEKV_FUZZ_CHECK(cond, what)                                                   \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s (%s)\n", __FILE__,      \
                   __LINE__, what, #cond);                                              \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace ropekv::fuzz {

/// The request layer's error statuses: a parse of client input may only
/// fail with one of these (never 500: that would be a bug, not bad input).
inline bool is_client_error(unsigned status) {
  return status == 400 || status == 404 || status == 405 || status == 409 || status == 413;
}

/// Input bytes as text.
inline std::string_view as_text(const unsigned char* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace ropekv::fuzz
