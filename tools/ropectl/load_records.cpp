#include "load_records.hpp"

#include <cctype>

#include "json_value.hpp"
#include "key_text.hpp"
#include "ropekv/net/json_writer.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::ctl {
namespace {

bad_record bad(uint64_t line, const std::string& message) {
  return bad_record{line, "line " + std::to_string(line) + ": " + message};
}

// The router's limits, checked here so that one bad item fails alone
// instead of failing the whole batch it would travel in.
std::optional<std::string> check_item(const load_item& it) {
  if (auto ok = net::validate_hash_key(it.hash_key); !ok) return ok.error().message;
  if (it.range_key)
    if (auto ok = net::validate_range_key(*it.range_key); !ok) return ok.error().message;
  if (it.item_json.size() > net::max_item_bytes)
    return "item is " + std::to_string(it.item_json.size()) + " bytes; the limit is " +
           std::to_string(net::max_item_bytes);
  return std::nullopt;
}

std::variant<load_item, bad_record> checked(load_item it) {
  if (auto why = check_item(it)) return bad(it.line, *why);
  return it;
}

// A key attribute's value as key bytes: a string's bytes, a number's text.
std::optional<std::string> key_attribute(const json_value& object, const std::string& name) {
  const json_value* v = object.find(name);
  if (!v || !(v->is_string() || v->is_number())) return std::nullopt;
  return v->text();
}

std::string missing_key(const std::string& name, const char* which, const char* flag) {
  return "no string or number attribute '" + name + "' (the " + which + "; " + flag + " names another)";
}

}  // namespace

bool is_json_number(std::string_view t) {
  size_t i = 0, n = t.size();
  auto digits = [&] {
    size_t start = i;
    while (i < n && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    return i > start;
  };
  if (i < n && t[i] == '-') ++i;
  if (i < n && t[i] == '0') ++i;
  else if (!digits()) return false;
  if (i < n && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == n;
}

std::variant<load_item, bad_record> parse_jsonl_line(std::string_view line, uint64_t line_no,
                                                     const key_columns& keys) {
  auto doc = json_value::parse(line);
  if (!doc) return bad(line_no, "not JSON: " + doc.error().message);
  if (!doc->is_object()) return bad(line_no, "not a JSON object");
  load_item it;
  it.line = line_no;
  const json_value* item = doc->find("item");
  bool export_form = item && item->is_object() && (doc->find("hash_key") || doc->find("hash_key_base64"));
  if (export_form) {
    auto hash = key_member(*doc, "hash_key");
    if (!hash) return bad(line_no, "hash_key is not a string (or hash_key_base64 not base64)");
    it.hash_key = std::move(*hash);
    auto range = key_member(*doc, "range_key");
    if (keys.range && !range) return bad(line_no, "the table has a range key; the line has no range_key");
    if (!keys.range && range) return bad(line_no, "the table has no range key; the line has a range_key");
    it.range_key = std::move(range);
    it.item_json = item->to_json();
    return checked(std::move(it));
  }
  auto hash = key_attribute(*doc, keys.hash);
  if (!hash) return bad(line_no, missing_key(keys.hash, "hash key", "--hash-key-column"));
  it.hash_key = std::move(*hash);
  if (keys.range) {
    auto range = key_attribute(*doc, *keys.range);
    if (!range) return bad(line_no, missing_key(*keys.range, "range key", "--range-key-column"));
    it.range_key = std::move(*range);
  }
  it.item_json = doc->to_json();
  return checked(std::move(it));
}

result<csv_items> csv_items::make(const csv_record& header, const key_columns& keys, bool all_strings) {
  csv_items out;
  out.all_strings_ = all_strings;
  std::optional<size_t> hash;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string& name = header.fields[i].text;
    if (name.empty()) return make_error(errc::invalid_argument, "CSV header: column " + std::to_string(i + 1) + " has no name");
    for (const auto& seen : out.names_)
      if (seen == name) return make_error(errc::invalid_argument, "CSV header: column '" + name + "' appears twice");
    if (name == keys.hash) hash = i;
    if (keys.range && name == *keys.range) out.range_ = i;
    out.names_.push_back(name);
  }
  if (!hash)
    return make_error(errc::invalid_argument, "CSV header has no column '" + keys.hash +
                                                  "' for the hash key (--hash-key-column names another)");
  if (keys.range && !out.range_)
    return make_error(errc::invalid_argument, "CSV header has no column '" + *keys.range +
                                                  "' for the range key (--range-key-column names another)");
  out.hash_ = *hash;
  return out;
}

std::variant<load_item, bad_record> csv_items::item(const csv_record& record) const {
  if (record.fields.size() != names_.size())
    return bad(record.line, std::to_string(record.fields.size()) + " fields; the header has " +
                                std::to_string(names_.size()));
  load_item it;
  it.line = record.line;
  it.hash_key = record.fields[hash_].text;
  if (range_) it.range_key = record.fields[*range_].text;
  net::json_writer w;
  w.begin_object();
  for (size_t i = 0; i < names_.size(); ++i) {
    const csv_field& f = record.fields[i];
    if (f.text.empty() && !f.quoted) continue;
    w.key(names_[i]);
    if (!f.quoted && !all_strings_ && is_json_number(f.text)) w.raw(f.text);
    else w.value(f.text);
  }
  it.item_json = w.end_object().take();
  return checked(std::move(it));
}

result<std::unique_ptr<load_reader>> load_reader::open(format f, std::istream& in, key_columns keys,
                                                       bool csv_strings) {
  std::unique_ptr<load_reader> r(new load_reader(f, in, std::move(keys)));
  if (f == format::csv) {
    auto header = r->csv_.next();
    if (!header) return std::move(header).error();
    if (!*header) return make_error(errc::invalid_argument, "the CSV input is empty: no header row");
    auto columns = csv_items::make(**header, r->keys_, csv_strings);
    if (!columns) return std::move(columns).error();
    r->columns_ = std::move(columns).value();
    r->header_bytes_ = (*header)->bytes;
  }
  return r;
}

result<read_step> load_reader::next() {
  read_step step;
  step.bytes = std::exchange(header_bytes_, 0);
  if (format_ == format::csv) {
    auto rec = csv_.next();
    if (!rec) return std::move(rec).error();
    if (!*rec) return step;
    step.bytes += (*rec)->bytes;
    std::visit([&](auto&& v) { step.value = std::move(v); }, columns_->item(**rec));
    return step;
  }
  std::string line;
  while (std::getline(in_, line)) {
    ++line_;
    step.bytes += line.size() + (in_.eof() ? 0 : 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank
    std::visit([&](auto&& v) { step.value = std::move(v); }, parse_jsonl_line(line, line_, keys_));
    return step;
  }
  return step;
}

result<load_reader::format> choose_format(const std::optional<std::string>& format, const std::string& file) {
  if (format) {
    if (*format == "csv") return load_reader::format::csv;
    if (*format == "jsonl") return load_reader::format::jsonl;
    return make_error(errc::invalid_argument, "--format must be jsonl or csv");
  }
  auto lower = file;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.ends_with(".csv")) return load_reader::format::csv;
  return load_reader::format::jsonl;
}

}  // namespace ropekv::ctl
