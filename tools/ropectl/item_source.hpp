#pragma once
// item_source: where `put` gets its item (and `transact` its request) -- `--item JSON`, `--item @file`
// (`@-` is stdin), or stdin when --item is absent.
//
// The text is checked to be one JSON object before anything is sent (why:
// a typo is then a usage error, exit 2, with the parser's offset, rather
// than a round trip); it is sent as given, since the router keeps numbers
// verbatim and re-serializes anyway.
#include <istream>
#include <optional>
#include <string>

#include "ropekv/common/result.hpp"

namespace ropekv::ctl {

/// errc::invalid_argument for an unreadable file or text that is not a
/// JSON object.
result<std::string> read_item(const std::optional<std::string>& item_arg, std::istream& stdin_stream);

/// `transact FILE`: the file's text ("-": stdin), checked to be one JSON
/// object (what it holds is the router's to judge). errc::invalid_argument
/// for an unreadable file or text that is not a JSON object.
result<std::string> read_transaction(const std::string& file, std::istream& stdin_stream);

}  // namespace ropekv::ctl
