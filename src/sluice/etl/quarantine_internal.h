#pragma once

// The quarantine file of a run: one JSON object per rejected row (docs/jobs.md:
// run_id, source, line, column, rule, reason, raw, and failures when there are several),
// written in line order per batch, with counts per rule and per column for the run report.
// Raw text that is not valid UTF-8 is shown with U+FFFD and kept exactly as raw_base64.
// Internal to the etl module; single-threaded.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/common/io.h"
#include "sluice/common/status.h"

namespace sluice::etl {

struct QuarantineSink {
  struct Failure {
    std::string column;  // "" when the failure is not about one column (a parse error)
    std::string rule;    // parse, cast, not_null, derive, or the DQDL rule's text
    std::string reason;
  };

  std::string rel_path;  // relative to the lake root
  std::unique_ptr<common::AtomicFileOutputStream> out;
  std::string buffer;
  int64_t rows = 0;
  int64_t bytes = 0;
  std::map<std::string, int64_t> by_rule;  // every failure
  std::map<std::string, int64_t> by_column;
  std::vector<std::pair<int64_t, std::string>> pending;  // (line, JSON) of the current batch

  // Queues one quarantined row; rows are written in line order by EndBatch().
  void Add(const std::string& source_uri, const std::string& run_id, int64_t line,
           std::string_view raw, const std::vector<Failure>& failures);
  // Writes the queued rows, ordered by line (buffered; Flush() writes through).
  Status EndBatch();
  Status Flush();
};

}  // namespace sluice::etl
