#include "sluice/etl/quarantine_internal.h"

#include <algorithm>

#include "sluice/common/json.h"
#include "sluice/etl/utf8.h"

namespace sluice::etl {
namespace {

namespace json = common::json;

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                 (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(kAlphabet[(v >> k) & 63]);
  }
  if (i < bytes.size()) {
    uint32_t v = uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (i + 1 < bytes.size()) v |= uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace

void QuarantineSink::Add(const std::string& source_uri, const std::string& run_id, int64_t line,
                         std::string_view raw, const std::vector<Failure>& failures) {
  json::object o;
  o["run_id"] = run_id;
  o["source"] = source_uri;
  o["line"] = line;
  o["column"] =
      failures.front().column.empty() ? json::value(nullptr) : json::value(failures.front().column);
  o["rule"] = failures.front().rule;
  o["reason"] = failures.front().reason;
  if (failures.size() > 1) {
    json::array all;
    for (const Failure& f : failures) {
      all.push_back(
          json::object{{"column", f.column.empty() ? json::value(nullptr) : json::value(f.column)},
                       {"rule", f.rule},
                       {"reason", f.reason}});
    }
    o["failures"] = std::move(all);
  }
  if (FindInvalidUtf8(raw) == std::string_view::npos) {
    o["raw"] = std::string(raw);
  } else {
    // JSON text must be UTF-8: show the text with U+FFFD, and keep the exact bytes.
    o["raw"] = ToUtf8Lossy(raw);
    o["raw_base64"] = Base64(raw);
  }
  pending.emplace_back(line, common::SerializeJson(o));
  ++rows;
  for (const Failure& f : failures) {
    ++by_rule[f.rule];
    if (!f.column.empty()) ++by_column[f.column];
  }
}

Status QuarantineSink::EndBatch() {
  std::stable_sort(pending.begin(), pending.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [line, text] : pending) {
    buffer += text;
    buffer.push_back('\n');
  }
  pending.clear();
  if (buffer.size() >= (1 << 20)) return Flush();
  return Status::OK();
}

Status QuarantineSink::Flush() {
  if (buffer.empty()) return Status::OK();
  SLUICE_RETURN_IF_ERROR(out->Write(buffer.data(), buffer.size()));
  bytes += static_cast<int64_t>(buffer.size());
  buffer.clear();
  return Status::OK();
}

}  // namespace sluice::etl
