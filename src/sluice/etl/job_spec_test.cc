#include "sluice/etl/job_spec.h"

#include <gtest/gtest.h>

namespace sluice::etl {
namespace {

TEST(JobSpec, ParsesEveryField) {
  auto spec = ParseJobSpec(R"yaml(
name: orders
dataset: orders_silver
description: test
source:
  format: csv
  compression: gzip
  csv:
    delimiter: ";"
    quote: "'"
    escape: "\\"
    header: false
    columns: [a, b]
    comment_prefix: "#"
    null_strings: ["", "NULL"]
    encoding: latin-1
    max_field_bytes: 1000
mapping:
  - [a, string, id, int64]
  - {source: b, target: at, type: timestamp, format: "%d/%m/%Y %H:%M", nullable: false, trim: true}
derived:
  - {name: day, expression: "date(at)"}
rules: |
  Rules = [ IsComplete "id" ]
dedupe: {key: [id], order_by: at}
partition_by: [day]
output: {codec: snappy, compression_level: 3, row_group_rows: 1000, row_group_bytes: 1048576,
         bronze_compression_level: 5}
evolution: strict
bookmark: false
warehouse: {table: silver.orders, mode: merge}
)yaml",
                           "orders.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->name, "orders");
  EXPECT_EQ(spec->dataset, "orders_silver");
  EXPECT_EQ(spec->format, SourceFormat::kCsv);
  EXPECT_EQ(spec->compression, "gzip");
  EXPECT_EQ(spec->csv.delimiter, ';');
  EXPECT_EQ(spec->csv.quote, '\'');
  EXPECT_EQ(spec->csv.escape, '\\');
  EXPECT_FALSE(spec->csv.header);
  EXPECT_EQ(spec->csv.columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(spec->csv.comment_prefix, "#");
  EXPECT_EQ(spec->csv.null_strings, (std::vector<std::string>{"", "NULL"}));
  EXPECT_EQ(spec->csv.encoding, CsvDialect::Encoding::kLatin1);
  EXPECT_EQ(spec->csv.max_field_bytes, 1000u);
  ASSERT_EQ(spec->mapping.size(), 2u);
  EXPECT_EQ(spec->mapping[0].source, "a");
  EXPECT_EQ(spec->mapping[0].source_type, "string");
  EXPECT_EQ(spec->mapping[0].target, "id");
  EXPECT_EQ(spec->mapping[0].type, "int64");
  EXPECT_EQ(spec->mapping[1].format, "%d/%m/%Y %H:%M");
  EXPECT_FALSE(spec->mapping[1].nullable);
  EXPECT_TRUE(spec->mapping[1].trim);
  ASSERT_EQ(spec->derived.size(), 1u);
  EXPECT_EQ(spec->derived[0].expression, "date(at)");
  EXPECT_EQ(spec->rules, "Rules = [ IsComplete \"id\" ]\n");
  EXPECT_EQ(spec->dedupe.key, (std::vector<std::string>{"id"}));
  EXPECT_EQ(spec->dedupe.order_by, "at");
  EXPECT_EQ(spec->partition_by, (std::vector<std::string>{"day"}));
  EXPECT_EQ(spec->output.codec, "snappy");
  EXPECT_EQ(spec->output.compression_level, 3);
  EXPECT_EQ(spec->output.row_group_rows, 1000);
  EXPECT_EQ(spec->output.bronze_compression_level, 5);
  EXPECT_EQ(spec->evolution, "strict");
  EXPECT_FALSE(spec->bookmark);
  ASSERT_TRUE(spec->warehouse.has_value());
  EXPECT_EQ(spec->warehouse->mode, "merge");
}

TEST(JobSpec, DefaultsMatchTheDocs) {
  auto spec = ParseJobSpec("name: x\nsource: {format: jsonl}\n", "x.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->dataset, "x");
  EXPECT_EQ(spec->format, SourceFormat::kJsonl);
  EXPECT_EQ(spec->compression, "auto");
  EXPECT_EQ(spec->output.codec, "zstd");
  EXPECT_EQ(spec->output.bronze_compression_level, -3);
  EXPECT_EQ(spec->evolution, "additive");
  EXPECT_TRUE(spec->bookmark);
  EXPECT_TRUE(spec->mapping.empty());
}

void ExpectError(const std::string& yaml, const std::string& message) {
  auto spec = ParseJobSpec(yaml, "job.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message(), message);
}

TEST(JobSpec, ErrorsNameTheFileLineColumnAndField) {
  ExpectError("name: x\nsource: {format: xml}\n",
              "job.yaml:2:18: source.format: expected csv, jsonl or parquet, got \"xml\"");
  ExpectError(
      "name: x\nsource: {format: csv}\ncolour: red\n",
      "job.yaml:3:1: colour: unknown field; expected one of name, dataset, description, source, "
      "mapping, derived, rules, dedupe, partition_by, output, evolution, bookmark, warehouse");
  ExpectError("source: {format: csv}\n", "job.yaml:1:1: name: required (the job's name)");
  ExpectError("name: x\nsource: {format: csv}\nmapping:\n  - [a, string, b]\n",
              "job.yaml:4:5: mapping[0]: expected [source, source_type, target, target_type]");
  ExpectError(
      "name: x\nsource: {format: csv}\nmapping:\n  - [a, string, b, int]\n  - [c, string, b, "
      "int]\n",
      "job.yaml:5:5: mapping[1].target: column \"b\" is mapped twice");
  ExpectError("name: x\nsource:\n  format: csv\n  csv: {delimiter: ab}\n",
              "job.yaml:4:20: source.csv.delimiter: expected a single character");
  ExpectError("name: x\nsource: {format: csv}\noutput: {codec: lz4}\n",
              "job.yaml:3:17: output.codec: expected none, snappy, gzip or zstd, got \"lz4\"");
  ExpectError("name: x\nsource: {format: csv}\noutput: {bronze_compression_level: 20}\n",
              "job.yaml:3:36: output.bronze_compression_level: expected an integer from -22 to 19");
  ExpectError("name: x\nsource: {format: csv}\nbookmark: maybe\n",
              "job.yaml:3:11: bookmark: expected true or false");
  ExpectError("name: x y\nsource: {format: csv}\n",
              "job.yaml:1:7: name: expected letters, digits, '_' or '-' (1 to 128), got \"x y\"");
  ExpectError("name: x\nsource: {format: jsonl, csv: {header: true}}\n",
              "job.yaml:2:30: source.csv: only allowed with format csv");
  ExpectError("name: x\nsource: {format: csv}\nevolution: loose\n",
              "job.yaml:3:12: evolution: expected additive or strict, got \"loose\"");
}

TEST(JobSpec, ReportsYamlSyntaxErrorsWithTheirPosition) {
  auto spec = ParseJobSpec("name: x\nsource: [\n", "bad.yaml");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().message().rfind("bad.yaml:", 0), 0u) << spec.status().message();
}

TEST(JobSpec, DelimiterAcceptsYamlEscapes) {
  auto spec =
      ParseJobSpec("name: x\nsource:\n  format: csv\n  csv: {delimiter: \"\\t\"}\n", "x.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->csv.delimiter, '\t');
}

}  // namespace
}  // namespace sluice::etl
