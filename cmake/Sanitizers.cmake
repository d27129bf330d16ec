# Sanitizer and fuzzing builds (docs/security.md "Fuzzing and sanitizers").
#
#   -DROPEKV_SANITIZE=address,undefined   every target compiled and linked with
#       those sanitizers; UBSan findings abort (-fno-sanitize-recover), so a
#       test that triggers undefined behaviour fails instead of printing a
#       line nobody reads. scripts/test builds the target `unit_tests` (every
#       binary behind `ctest -L unit`) this way in build-asan.
#   -DROPEKV_FUZZ=ON (needs CMAKE_CXX_COMPILER=clang++)   the libFuzzer targets
#       of tests/fuzz; all code gets coverage instrumentation plus ASan and
#       UBSan, the fuzz executables link libFuzzer's main. Build the target
#       `fuzz_targets` only: the rest of the tree is not meant to link there.
#
# Why global flags and not per-target ones: a library compiled without ASan
# inside an ASan binary hides its own overflows, and UBSan needs every
# translation unit instrumented to see e.g. a misaligned load in a codec.
# Prebuilt Debian libraries (protobuf, CAF, SQLite) stay uninstrumented;
# that is the third-party boundary; tests/sanitizers/ holds the ignore list
# and suppressions for third-party findings.
#
# -O1 -g1 in both: the optimization level ASan's authors recommend, and
# line tables are all a report's stack needs; on 2 cores this compiles
# markedly faster than RelWithDebInfo's -O2 -g (they come later on the
# command line, so they win; NDEBUG stays as in the normal build for
# the unit tests; the fuzz build drops it).
#
# jemalloc is left out of sanitized builds (ropekv_allocator becomes empty):
# ASan must own malloc to find heap errors.
set(ROPEKV_SANITIZE "" CACHE STRING "sanitizers for every target, e.g. address,undefined")
option(ROPEKV_FUZZ "build the libFuzzer targets of tests/fuzz (clang only)" OFF)

if(ROPEKV_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ROPEKV_FUZZ=ON needs clang: -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
  endif()
  # fuzzer-no-link: coverage counters and comparison tracing in every object;
  # only the fuzz executables link libFuzzer itself (tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                      -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1 -g1
                      -UNDEBUG)  # the project's assert()s are invariants the fuzzer checks too
  add_link_options(-fsanitize=address,undefined)
elseif(ROPEKV_SANITIZE)
  add_compile_options(-fsanitize=${ROPEKV_SANITIZE} -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -O1 -g1)
  add_link_options(-fsanitize=${ROPEKV_SANITIZE})
endif()

# Third-party undefined behaviour we cannot fix, listed with reasons in
# tests/sanitizers/ignorelist.txt (clang; g++ has no ignore list, so there
# the one check it concerns is switched off instead).
# Spelled -fsanitize-blacklist (clang's older name for -fsanitize-ignorelist)
# because that is the one ccache 4.7 knows: it then hashes the file's
# content, so editing the list recompiles. The path is relative to the
# build tree (Ninja compiles from there), so that a fresh clone elsewhere
# produces the same command line and hits the cache.
if(ROPEKV_FUZZ OR ROPEKV_SANITIZE)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    file(RELATIVE_PATH ropekv_ignorelist ${CMAKE_BINARY_DIR}
         ${PROJECT_SOURCE_DIR}/tests/sanitizers/ignorelist.txt)
    add_compile_options(-fsanitize-blacklist=${ropekv_ignorelist})
  else()
    add_compile_options(-fno-sanitize=pointer-overflow)
  endif()
endif()

# Whether the build is instrumented (jemalloc must then stay out).
if(ROPEKV_FUZZ OR ROPEKV_SANITIZE)
  set(ROPEKV_INSTRUMENTED ON)
else()
  set(ROPEKV_INSTRUMENTED OFF)
endif()
