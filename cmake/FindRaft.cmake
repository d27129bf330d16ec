# Finds c-raft 0.15 (Debian libraft-dev). Defines Raft::raft.
# The static archive also needs libuv and lz4; raft.h has no extern "C" guards,
# so include it through ropekv/consensus/raft_c.hpp.
find_path(RAFT_INCLUDE_DIR raft.h)
find_library(RAFT_LIBRARY NAMES libraft.a raft)
find_library(UV_LIBRARY uv)
find_library(LZ4_LIBRARY lz4)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Raft REQUIRED_VARS RAFT_INCLUDE_DIR RAFT_LIBRARY UV_LIBRARY LZ4_LIBRARY)
if(Raft_FOUND AND NOT TARGET Raft::raft)
  add_library(Raft::raft UNKNOWN IMPORTED)
  set_target_properties(Raft::raft PROPERTIES IMPORTED_LOCATION ${RAFT_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${RAFT_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES "${UV_LIBRARY};${LZ4_LIBRARY}")
endif()
