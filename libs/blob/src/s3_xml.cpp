#include "s3_xml.hpp"

#include <charconv>

namespace ropekv::blob {
namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The inner XML of <tag ...>...</tag> starting the search at `from`;
// `end` is set past the closing tag. A self-closing <tag/> is empty.
std::optional<std::string_view> next_element(std::string_view xml, std::string_view tag, size_t from, size_t& end) {
  std::string open = "<" + std::string(tag);
  std::string close = "</" + std::string(tag) + ">";
  size_t pos = from;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    size_t after = pos + open.size();
    if (after >= xml.size()) return std::nullopt;
    char c = xml[after];
    if (c != '>' && c != ' ' && c != '/' && c != '\t' && c != '\n' && c != '\r') {
      pos = after;  // a longer tag name with this prefix
      continue;
    }
    size_t gt = xml.find('>', after);
    if (gt == std::string_view::npos) return std::nullopt;
    if (xml[gt - 1] == '/') {
      end = gt + 1;
      return std::string_view();
    }
    size_t stop = xml.find(close, gt + 1);
    if (stop == std::string_view::npos) return std::nullopt;
    end = stop + close.size();
    return xml.substr(gt + 1, stop - gt - 1);
  }
  return std::nullopt;
}

}  // namespace

std::string xml_unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    if (ent == "amp") out.push_back('&');
    else if (ent == "lt") out.push_back('<');
    else if (ent == "gt") out.push_back('>');
    else if (ent == "quot") out.push_back('"');
    else if (ent == "apos") out.push_back('\'');
    else if (ent.size() > 1 && ent[0] == '#') {
      uint32_t cp = 0;
      bool hex = ent[1] == 'x' || ent[1] == 'X';
      auto digits = ent.substr(hex ? 2 : 1);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (ec != std::errc() || p != digits.data() + digits.size()) {
        out.append(s.substr(i, semi - i + 1));
      } else {
        append_utf8(out, cp);
      }
    } else {
      out.append(s.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::optional<std::string> xml_text(std::string_view xml, std::string_view tag) {
  size_t end = 0;
  auto inner = next_element(xml, tag, 0, end);
  if (!inner) return std::nullopt;
  return xml_unescape(*inner);
}

std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (auto inner = next_element(xml, tag, pos, pos)) out.push_back(*inner);
  return out;
}

std::optional<list_page> parse_list_page(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) return std::nullopt;
  list_page page;
  for (auto contents : xml_elements(xml, "Contents")) {
    auto key = xml_text(contents, "Key");
    if (!key) return std::nullopt;
    list_page::entry e{std::move(*key), 0};
    if (auto size = xml_text(contents, "Size")) {
      auto [p, ec] = std::from_chars(size->data(), size->data() + size->size(), e.size);
      if (ec != std::errc()) return std::nullopt;
    }
    page.entries.push_back(std::move(e));
  }
  page.truncated = xml_text(xml, "IsTruncated").value_or("false") == "true";
  page.next_token = xml_text(xml, "NextContinuationToken").value_or("");
  return page;
}

std::string complete_multipart_body(const std::vector<completed_part>& parts) {
  std::string out = "<CompleteMultipartUpload>";
  for (const auto& p : parts) {
    out += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" + xml_escape(p.etag) +
           "</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

}  // namespace ropekv::blob
