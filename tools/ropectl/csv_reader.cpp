#include "csv_reader.hpp"

namespace ropekv::ctl {

result<std::optional<csv_record>> csv_reader::next() {
  {
    csv_record rec;
    rec.line = line_;
    csv_field field;
    enum class state { start, unquoted, quoted, quote_in_quoted } st = state::start;
    bool any = false;  // anything but a line break was read
    auto bad = [&](const std::string& what) -> result<std::optional<csv_record>> {
      return make_error(errc::invalid_argument, "line " + std::to_string(rec.line) + ": " + what);
    };
    for (;;) {
      int c = in_.get();
      if (c == std::char_traits<char>::eof()) {
        if (st == state::quoted) return bad("a quoted field is not closed");
        if (!any) return std::optional<csv_record>{};
        rec.fields.push_back(std::move(field));
        return std::optional<csv_record>(std::move(rec));
      }
      ++rec.bytes;
      char ch = static_cast<char>(c);
      if (st == state::quoted) {
        if (ch == '"') st = state::quote_in_quoted;
        else {
          if (ch == '\n') ++line_;
          field.text += ch;
        }
        continue;
      }
      if (st == state::quote_in_quoted && ch == '"') {  // "" inside quotes
        field.text += '"';
        st = state::quoted;
        continue;
      }
      if (ch == '\r' && in_.peek() == '\n') continue;  // the \n ends the record
      if (ch == '\n') {
        ++line_;
        if (!any) {  // a blank line: skipped, its bytes counted with the next record
          rec.line = line_;
          continue;
        }
        rec.fields.push_back(std::move(field));
        return std::optional<csv_record>(std::move(rec));
      }
      any = true;
      if (ch == ',') {
        rec.fields.push_back(std::move(field));
        field = {};
        st = state::start;
        continue;
      }
      if (st == state::quote_in_quoted) return bad("text after a closing quote");
      if (ch == '"') {
        if (st != state::start) return bad("a quote inside an unquoted field (quote the whole field)");
        field.quoted = true;
        st = state::quoted;
        continue;
      }
      field.text += ch;
      st = state::unquoted;
    }
  }
}

}  // namespace ropekv::ctl
