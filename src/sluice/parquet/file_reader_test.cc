#include "sluice/parquet/file_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "sluice/parquet/json_rows.h"

namespace sluice::parquet {
namespace {

namespace fs = std::filesystem;

// The repository root, from this file's path (src/sluice/parquet/file_reader_test.cc).
fs::path SourceRoot() { return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path(); }

std::string ReadWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes the DuckDB and hyparquet-writer reference files once per test binary.
class ReferenceFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path root = SourceRoot();
    if (std::system("node --version > /dev/null 2>&1") != 0) {
      skip_reason_ = "node is not on PATH";
      return;
    }
    if (!fs::exists(root / "tools" / "node_modules")) {
      skip_reason_ = "tools/node_modules is missing (run scripts/bootstrap-node)";
      return;
    }
    dir_ = fs::temp_directory_path() / ("sluice_file_reader_test_" + std::to_string(getpid()));
    fs::create_directories(dir_);
    for (const char* script : {"duckdb_write.mjs", "hyparquet_write.mjs"}) {
      const std::string command = "node '" + (root / "tests" / "parquet" / script).string() +
                                  "' '" + dir_.string() + "' > /dev/null";
      if (std::system(command.c_str()) != 0) {
        setup_error_ = "'" + command + "' failed";
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
  }

  static std::unique_ptr<FileReader> Open(const std::string& name) {
    auto reader = FileReader::OpenFile((dir_ / name).string());
    EXPECT_TRUE(reader.ok()) << reader.status();
    return reader.ok() ? std::move(*reader) : nullptr;
  }

  static inline fs::path dir_;
  static inline std::string skip_reason_;
  static inline std::string setup_error_;
};

// Reads every row of `reader` through Scan and prints canonical JSON lines.
Result<std::string> ScanToJsonLines(FileReader& reader, const ReadOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(auto it, reader.Scan(options));
  std::string out;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(std::optional<RecordBatch> batch, it->Next());
    if (!batch.has_value()) break;
    SLUICE_RETURN_IF_ERROR(batch->Validate());
    for (int64_t row = 0; row < batch->num_rows; ++row) {
      out += boost::json::serialize(RowToJson(*batch, row));
      out += '\n';
    }
  }
  return out;
}

TEST_F(ReferenceFiles, EveryFileReadsAsTheIndependentWriterWroteIt) {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.path().extension() != ".parquet") continue;
    ++files;
    const std::string name = entry.path().stem().string();
    SCOPED_TRACE(name);
    auto reader = Open(name + ".parquet");
    ASSERT_NE(reader, nullptr);
    ReadOptions options;
    options.batch_rows = 1000;  // several batches per row group: slicing of every type
    auto lines = ScanToJsonLines(*reader, options);
    ASSERT_TRUE(lines.ok()) << lines.status();
    const fs::path actual = dir_ / (name + ".sluice.jsonl");
    std::ofstream(actual, std::ios::binary) << *lines;
    const std::string command = "node '" +
                                (SourceRoot() / "tests" / "parquet" / "compare_jsonl.mjs").string() +
                                "' '" + (dir_ / (name + ".expected.jsonl")).string() + "' '" +
                                actual.string() + "' 1>&2";
    EXPECT_EQ(std::system(command.c_str()), 0) << name << ": rows differ from the expected rows";
  }
  EXPECT_EQ(files, 14);
}

TEST_F(ReferenceFiles, ReadRowGroupReturnsTheRowGroupsRowsInOrder) {
  auto reader = Open("all_types_zstd_v2.parquet");
  ASSERT_NE(reader, nullptr);
  ASSERT_EQ(reader->num_row_groups(), 3);
  int64_t next_id = 0;
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    auto batch = reader->ReadRowGroup(g, {"id", "c_varchar"});
    ASSERT_TRUE(batch.ok()) << batch.status();
    ASSERT_EQ(batch->columns.size(), 2u);
    EXPECT_EQ(batch->schema.fields[0].name, "id");
    for (int64_t i = 0; i < batch->num_rows; ++i) EXPECT_EQ(batch->columns[0].ints64[i], next_id++);
  }
  EXPECT_EQ(next_id, 5000);
  auto missing = reader->ReadRowGroup(0, {"no_such_column"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no column named 'no_such_column'"), std::string::npos);
  EXPECT_FALSE(reader->ReadRowGroup(3, {}).ok());
}

TEST_F(ReferenceFiles, ProjectionReadsOnlyTheRequestedColumnsChunks) {
  auto reader = Open("all_types_snappy_v1.parquet");
  ASSERT_NE(reader, nullptr);
  const int64_t footer_bytes = reader->stats().bytes_read;
  const int id_leaf = 0;
  int64_t id_bytes = 0;
  for (const RowGroup& g : reader->metadata().row_groups) {
    id_bytes += g.columns[id_leaf].meta_data->total_compressed_size;
  }
  ReadOptions options;
  options.columns = {"id"};
  auto lines = ScanToJsonLines(*reader, options);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_EQ(reader->stats().bytes_read - footer_bytes, id_bytes);
  EXPECT_EQ(lines->substr(0, lines->find('\n')), "{\"id\":0}");
}

TEST_F(ReferenceFiles, RowGroupStatisticsPruneRowGroupsThatCannotMatch) {
  auto reader = Open("all_types_zstd_v1.parquet");
  ASSERT_NE(reader, nullptr);
  // Row groups hold ids [0, 2048), [2048, 4096), [4096, 5000).
  auto eq = reader->PruneRowGroups({Predicate::Eq("id", int64_t{3000})});
  ASSERT_TRUE(eq.ok()) << eq.status();
  EXPECT_EQ(*eq, std::vector<int>({1}));
  auto between = reader->PruneRowGroups({Predicate::Between("id", int64_t{100}, int64_t{2100})});
  ASSERT_TRUE(between.ok());
  EXPECT_EQ(*between, std::vector<int>({0, 1}));
  auto gt = reader->PruneRowGroups({Predicate::Gt("id", 4095.5)});
  ASSERT_TRUE(gt.ok());
  EXPECT_EQ(*gt, std::vector<int>({2}));
  auto in = reader->PruneRowGroups({Predicate::In("id", {int64_t{-5}, int64_t{4999}})});
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(*in, std::vector<int>({2}));
  auto none = reader->PruneRowGroups({Predicate::Lt("id", int64_t{0})});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // id has no nulls; the all-NULL column has nothing but nulls.
  auto is_null = reader->PruneRowGroups({Predicate::IsNull("id")});
  ASSERT_TRUE(is_null.ok());
  EXPECT_TRUE(is_null->empty());
  auto unknown = reader->PruneRowGroups({Predicate::Eq("nope", int64_t{1})});
  EXPECT_FALSE(unknown.ok());

  ReadOptions options;
  options.columns = {"id"};
  options.predicates = {Predicate::Ge("id", int64_t{4500})};
  auto lines = ScanToJsonLines(*reader, options);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_EQ(reader->stats().row_groups_skipped, 2);
  EXPECT_EQ(lines->substr(0, lines->find('\n')), "{\"id\":4096}");
}

TEST(Predicate, StatisticsExcludeOnlyWhatTheyProve) {
  ColumnStatsView s;
  s.min = int64_t{10};
  s.max = int64_t{20};
  s.has_null_count = true;
  s.null_count = 0;
  s.num_values = 100;
  EXPECT_FALSE(MayMatch(Predicate::Eq("c", int64_t{9}), s));
  EXPECT_TRUE(MayMatch(Predicate::Eq("c", int64_t{10}), s));
  EXPECT_FALSE(MayMatch(Predicate::Lt("c", int64_t{10}), s));
  EXPECT_TRUE(MayMatch(Predicate::Le("c", int64_t{10}), s));
  EXPECT_FALSE(MayMatch(Predicate::Gt("c", int64_t{20}), s));
  EXPECT_TRUE(MayMatch(Predicate::Ge("c", int64_t{20}), s));
  EXPECT_FALSE(MayMatch(Predicate::Between("c", int64_t{21}, int64_t{30}), s));
  EXPECT_FALSE(MayMatch(Predicate::IsNull("c"), s));
  EXPECT_TRUE(MayMatch(Predicate::IsNotNull("c"), s));
  EXPECT_TRUE(MayMatch(Predicate::Eq("c", std::string("x")), s));  // incomparable: kept
  ColumnStatsView strings;
  strings.min = std::string("apple");
  strings.max = std::string("melon");
  EXPECT_FALSE(MayMatch(Predicate::Eq("c", std::string("zebra")), strings));
  EXPECT_TRUE(MayMatch(Predicate::Eq("c", std::string("banana")), strings));
  ColumnStatsView nulls;
  nulls.all_null = true;
  EXPECT_FALSE(MayMatch(Predicate::Eq("c", int64_t{1}), nulls));
  EXPECT_TRUE(MayMatch(Predicate::IsNull("c"), nulls));
  EXPECT_EQ(Predicate::In("c", {int64_t{1}, std::string("a'b")}).ToString(), "c in (1, 'a''b')");
}

// Reads the whole file; any Status is fine, a crash or sanitizer report is not.
void ReadEverything(std::string bytes, const std::string& name) {
  auto reader = FileReader::Open(std::make_unique<StringSource>(std::move(bytes)), name);
  if (!reader.ok()) {
    EXPECT_EQ(reader.status().message().rfind(name, 0), 0u) << reader.status();
    return;
  }
  ReadOptions options;
  options.batch_rows = 4096;
  auto it = (*reader)->Scan(options);
  if (!it.ok()) return;
  for (int i = 0; i < 1000; ++i) {
    auto batch = (*it)->Next();
    if (!batch.ok()) {
      EXPECT_EQ(batch.status().message().rfind(name, 0), 0u) << batch.status();
      return;
    }
    if (!batch->has_value()) return;
    EXPECT_TRUE((*batch)->Validate().ok());
  }
}

TEST_F(ReferenceFiles, TruncatedFilesAreCorruptionNamingTheFile) {
  const std::string bytes = ReadWholeFile(dir_ / "hpw_pagev2_snappy.parquet");
  for (size_t size = 0; size < bytes.size(); size += 1 + size / 7) {
    auto reader = FileReader::Open(std::make_unique<StringSource>(bytes.substr(0, size)), "t.parquet");
    ASSERT_FALSE(reader.ok()) << size;
    EXPECT_EQ(reader.status().code(), StatusCode::kCorruption) << reader.status();
    EXPECT_EQ(reader.status().message().rfind("t.parquet: ", 0), 0u) << reader.status();
  }
}

TEST_F(ReferenceFiles, FlippedBytesGiveAnErrorOrDataNeverACrash) {
  std::mt19937 rng(20240607);
  for (const char* name : {"hpw_pagev2_snappy.parquet", "all_types_uncompressed_v2.parquet",
                           "all_types_snappy_v1.parquet"}) {
    const std::string original = ReadWholeFile(dir_ / name);
    for (int round = 0; round < 60; ++round) {
      std::string bytes = original;
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int f = 0; f < flips; ++f) {
        // Half of the flips hit the footer, where lengths and counts live.
        const size_t footer = std::min<size_t>(bytes.size(), 4096);
        const size_t at = (rng() % 2) ? bytes.size() - 1 - rng() % footer : rng() % bytes.size();
        bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
      }
      SCOPED_TRACE(std::string(name) + " round " + std::to_string(round));
      ReadEverything(std::move(bytes), "flipped.parquet");
    }
  }
}

TEST(FileReader, WrongMagicIsCorruptionNamingTheFile) {
  auto reader = FileReader::Open(std::make_unique<StringSource>(std::string(64, 'x')), "bad.parquet");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(reader.status().message().rfind("bad.parquet: ", 0), 0u) << reader.status();
}

}  // namespace
}  // namespace sluice::parquet
