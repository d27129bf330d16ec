#pragma once
// The few S3 XML documents the store reads and writes: ListObjectsV2
// results, InitiateMultipartUpload results, CompleteMultipartUpload
// requests, and error bodies. S3's XML is flat and machine-written, so a
// tag scanner is enough; entities are decoded.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ropekv::blob {

/// The decoded text of the first <tag>...</tag> in `xml`, if any.
std::optional<std::string> xml_text(std::string_view xml, std::string_view tag);
/// The raw inner XML of every <tag>...</tag>, in order.
std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag);
/// &amp; &lt; &gt; &quot; &apos; and numeric references decoded.
std::string xml_unescape(std::string_view s);
std::string xml_escape(std::string_view s);

struct list_page {
  struct entry {
    std::string key;
    uint64_t size = 0;
  };
  std::vector<entry> entries;
  bool truncated = false;
  std::string next_token;
};
/// A ListObjectsV2 result; nullopt when it is not one.
std::optional<list_page> parse_list_page(std::string_view xml);

struct completed_part {
  int number = 0;
  std::string etag;  // as returned by UploadPart, quotes included
};
std::string complete_multipart_body(const std::vector<completed_part>& parts);

}  // namespace ropekv::blob
