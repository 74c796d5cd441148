#pragma once

// Test-only helpers shared by the parquet module's tests: running the independent Node
// readers of tests/parquet (DuckDB, hyparquet) on a file sluice wrote and comparing their
// rows with the batches written, in the canonical JSON form (json_rows.h). Not part of the
// module's API; header-only so every test file of the one test binary can use it.

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "sluice/common/json.h"
#include "sluice/common/io.h"
#include "sluice/parquet/file_writer.h"
#include "sluice/parquet/json_rows.h"
#include "sluice/parquet/metadata.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::parquet::test {

// The repository root, from this file's path (src/sluice/parquet/parquet_test_util.h).
inline std::string SourceRoot() {
  const std::string here = __FILE__;
  return here.substr(0, here.rfind("/src/sluice/parquet/"));
}

// Parquet schema elements for hand-built footers: a leaf and a group.
inline SchemaElement Leaf(std::string name, Type type, FieldRepetitionType rep) {
  SchemaElement e;
  e.name = std::move(name);
  e.type = type;
  e.repetition_type = rep;
  return e;
}

inline SchemaElement Group(std::string name, int children,
                           std::optional<FieldRepetitionType> rep) {
  SchemaElement e;
  e.name = std::move(name);
  e.num_children = children;
  e.repetition_type = rep;
  return e;
}

// The Parquet file FileWriter writes for `batches` (in memory); a failure of any step is a
// test failure.
inline std::string WriteFile(const Schema& schema, const std::vector<RecordBatch>& batches,
                             WriterOptions options = {}) {
  std::string out;
  common::StringOutputStream stream(&out);
  auto writer = FileWriter::Open(&stream, schema, std::move(options));
  EXPECT_TRUE(writer.ok()) << writer.status();
  if (!writer.ok()) return out;
  for (const RecordBatch& b : batches) {
    Status st = (*writer)->Write(b);
    EXPECT_TRUE(st.ok()) << st;
  }
  Status st = (*writer)->Close();
  EXPECT_TRUE(st.ok()) << st;
  return out;
}

// The independent readers of tests/parquet/README.md.
enum class IndependentReader { kDuckDb, kHyparquet };

// Whether node is on PATH and tools/node_modules holds the reader's package
// (scripts/bootstrap-node installs them).
inline bool IndependentReaderAvailable(IndependentReader reader) {
  static const bool node = std::system("node --version > /dev/null 2>&1") == 0;
  const std::string package = reader == IndependentReader::kDuckDb ? "@duckdb/node-api" : "hyparquet";
  return node && std::filesystem::exists(SourceRoot() + "/tools/node_modules/" + package);
}

// Writes `data` (a Parquet file) and the batches' rows as canonical JSON lines, has `reader`
// print the file's rows, and compares the two with compare_jsonl.mjs. Returns "" when they
// agree, else the reader's error or the comparison's report (the files are then kept in the
// temporary directory the report names).
inline std::string CompareWithIndependentReader(IndependentReader reader, const std::string& name,
                                                const std::string& data,
                                                const std::vector<RecordBatch>& batches) {
  const char* script =
      reader == IndependentReader::kDuckDb ? "read_with_duckdb.mjs" : "read_with_hyparquet.mjs";
  const std::string tag = reader == IndependentReader::kDuckDb ? "duck" : "hyparquet";
  const std::string dir = std::filesystem::temp_directory_path().string() + "/sluice_parquet_" +
                          std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string base = dir + "/" + name;
  const std::string file = base + ".parquet";
  std::ofstream(file, std::ios::binary) << data;
  {
    std::ofstream expected(base + ".expected.jsonl");
    for (const RecordBatch& b : batches) {
      for (int64_t r = 0; r < b.num_rows; ++r) {
        expected << common::SerializeJson(RowToJson(b, r)) << "\n";
      }
    }
  }
  const std::string root = SourceRoot();
  const std::string actual = base + "." + tag + ".jsonl";
  const std::string cmd = "node '" + root + "/tests/parquet/" + script + "' '" + file + "' > '" +
                          actual + "' 2> '" + base + ".err' && node '" + root +
                          "/tests/parquet/compare_jsonl.mjs' '" + base + ".expected.jsonl' '" +
                          actual + "' > '" + base + ".cmp' 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc == 0) {
    for (const char* ext : {".parquet", ".expected.jsonl", ".err", ".cmp"}) {
      std::filesystem::remove(base + ext);
    }
    std::filesystem::remove(actual);
    std::error_code ignored;
    std::filesystem::remove(dir, ignored);  // only when empty: other tests may use it
    return "";
  }
  std::ifstream err(base + ".err"), cmp(base + ".cmp");
  std::stringstream ss;
  ss << script << " on " << file << ": exit " << rc << "\n" << err.rdbuf() << cmp.rdbuf();
  return ss.str();
}

}  // namespace sluice::parquet::test
