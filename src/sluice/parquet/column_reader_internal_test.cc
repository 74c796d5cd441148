#include "sluice/parquet/column_reader_internal.h"

#include <gtest/gtest.h>

#include "sluice/parquet/parquet_test_util.h"
#include "sluice/parquet/schema_convert.h"

namespace sluice::parquet::internal {
namespace {

using test::Group;
using test::Leaf;

// The reader's schema is FromParquetSchema's; BuildReaderSchema adds the levels. MAP, a legacy
// two-level list, a standard list and a bare repeated field side by side.
TEST(BuildReaderSchema, MapsTypesLikeFromParquetSchemaAndComputesLevels) {
  std::vector<SchemaElement> e = {Group("schema", 4, std::nullopt)};
  SchemaElement m = Group("m", 1, FieldRepetitionType::kOptional);
  m.converted_type = ConvertedType::kMap;
  e.push_back(m);
  e.push_back(Group("key_value", 2, FieldRepetitionType::kRepeated));
  e.push_back(Leaf("key", Type::kByteArray, FieldRepetitionType::kRequired));
  e.push_back(Leaf("value", Type::kInt32, FieldRepetitionType::kOptional));
  SchemaElement legacy = Group("legacy", 1, FieldRepetitionType::kRequired);
  legacy.converted_type = ConvertedType::kList;
  e.push_back(legacy);
  e.push_back(Leaf("array", Type::kInt64, FieldRepetitionType::kRepeated));
  SchemaElement list = Group("l", 1, FieldRepetitionType::kOptional);
  list.converted_type = ConvertedType::kList;
  e.push_back(list);
  e.push_back(Group("list", 1, FieldRepetitionType::kRepeated));
  e.push_back(Leaf("element", Type::kDouble, FieldRepetitionType::kOptional));
  e.push_back(Leaf("r", Type::kInt32, FieldRepetitionType::kRepeated));

  auto reader = BuildReaderSchema(e, "x.parquet");
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto expected = FromParquetSchema(e, "x.parquet");
  ASSERT_TRUE(expected.ok()) << expected.status();
  EXPECT_EQ((*reader)->schema, *expected);
  const auto& leaves = (*reader)->leaves;
  ASSERT_EQ(leaves.size(), 5u);
  struct Want {
    const char* path;
    int16_t max_def, max_rep;
  };
  const Want want[] = {{"m.key_value.key", 2, 1},
                       {"m.key_value.value", 3, 1},
                       {"legacy.array", 1, 1},
                       {"l.list.element", 3, 1},
                       {"r", 1, 1}};
  for (size_t i = 0; i < leaves.size(); ++i) {
    EXPECT_EQ(leaves[i].path, want[i].path);
    EXPECT_EQ(leaves[i].node->max_def, want[i].max_def) << want[i].path;
    EXPECT_EQ(leaves[i].node->max_rep, want[i].max_rep) << want[i].path;
  }
  const LogicalNode& map = (*reader)->fields[0];
  EXPECT_EQ(map.kind, LogicalNode::Kind::kList);
  EXPECT_EQ(map.def_present, 1);
  EXPECT_EQ(map.def_nonempty, 2);
  EXPECT_EQ((*reader)->fields[3].def_present, 0);  // a bare repeated field is never null
}

TEST(BuildReaderSchema, ReportsFromParquetSchemasErrors) {
  std::vector<SchemaElement> e = {Group("schema", 1, std::nullopt)};
  SchemaElement l = Group("l", 1, FieldRepetitionType::kOptional);
  l.converted_type = ConvertedType::kList;
  e.push_back(l);
  e.push_back(Leaf("x", Type::kInt32, FieldRepetitionType::kOptional));  // not repeated
  auto reader = BuildReaderSchema(e, "bad.parquet");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(reader.status().message(), "bad.parquet: column l: the field of a LIST group must be repeated");
}

}  // namespace
}  // namespace sluice::parquet::internal
