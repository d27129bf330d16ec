#pragma once
// Names and sizes the workloads and the checkers agree on.
namespace ropekv::chaos {

inline constexpr const char* register_table = "chaos_reg";
inline constexpr const char* set_table = "chaos_set";
inline constexpr const char* bank_table = "chaos_bank";
inline constexpr int bank_accounts = 5;
inline constexpr int bank_initial = 100;
inline constexpr int set_keys = 4;

}  // namespace ropekv::chaos
