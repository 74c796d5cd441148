#include "sluice/parquet/schema_convert.h"

#include <gtest/gtest.h>

#include "sluice/parquet/parquet_test_util.h"

namespace sluice::parquet {
namespace {

using Unit = decltype(DataType::unit);
using PUnit = decltype(TimestampType::unit);

Field F(std::string name, DataType type, bool nullable = true) {
  return Field{std::move(name), std::move(type), nullable};
}

using test::Group;
using test::Leaf;

Schema EveryType() {
  Schema s;
  s.fields = {
      F("b", DataType::Of(TypeKind::kBoolean)),
      F("i8", DataType::Of(TypeKind::kInt8)),
      F("i16", DataType::Of(TypeKind::kInt16)),
      F("i32", DataType::Of(TypeKind::kInt32), false),
      F("i64", DataType::Of(TypeKind::kInt64)),
      F("u8", DataType::Of(TypeKind::kUInt8)),
      F("u16", DataType::Of(TypeKind::kUInt16)),
      F("u32", DataType::Of(TypeKind::kUInt32)),
      F("u64", DataType::Of(TypeKind::kUInt64)),
      F("f", DataType::Of(TypeKind::kFloat)),
      F("d", DataType::Of(TypeKind::kDouble)),
      F("dec9", DataType::Decimal(9, 2)),
      F("dec18", DataType::Decimal(18, 4)),
      F("dec38", DataType::Decimal(38, 10)),
      F("s", DataType::Of(TypeKind::kString)),
      F("j", DataType::Of(TypeKind::kJson)),
      F("e", DataType::Of(TypeKind::kEnum)),
      F("bin", DataType::Of(TypeKind::kBinary)),
      F("fixed", DataType::FixedBinary(3)),
      F("uuid", DataType::Of(TypeKind::kUuid)),
      F("date", DataType::Of(TypeKind::kDate)),
      F("t_ms", DataType::Time(Unit::kMillis)),
      F("t_us", DataType::Time(Unit::kMicros, false)),
      F("t_ns", DataType::Time(Unit::kNanos)),
      F("ts_ms", DataType::Timestamp(Unit::kMillis)),
      F("ts_us", DataType::Timestamp(Unit::kMicros, false)),
      F("ts_ns", DataType::Timestamp(Unit::kNanos)),
      F("list", DataType::List(F("element", DataType::Of(TypeKind::kInt32)))),
      F("st", DataType::Struct({F("a", DataType::Of(TypeKind::kInt32), false),
                                F("b", DataType::List(F("element", DataType::Of(TypeKind::kString), false)))})),
  };
  return s;
}

TEST(ToParquetSchema, MapsEveryTypeAsLogicalTypesMdSays) {
  auto elements = ToParquetSchema(EveryType());
  ASSERT_TRUE(elements.ok()) << elements.status();
  const std::vector<SchemaElement>& e = *elements;
  ASSERT_EQ(e.size(), 36u);  // 29 fields, the root, 2 more for each list, 2 struct fields
  EXPECT_EQ(e[0].name, "schema");
  EXPECT_EQ(e[0].num_children, 29);
  EXPECT_FALSE(e[0].repetition_type.has_value());

  auto find = [&](std::string_view name) -> const SchemaElement& {
    for (const auto& x : e) if (x.name == name) return x;
    ADD_FAILURE() << name;
    return e[0];
  };
  EXPECT_EQ(find("b").type, Type::kBoolean);
  EXPECT_EQ(find("b").repetition_type, FieldRepetitionType::kOptional);
  EXPECT_EQ(find("i32").repetition_type, FieldRepetitionType::kRequired);
  EXPECT_EQ(find("i8").type, Type::kInt32);
  EXPECT_EQ(find("i8").converted_type, ConvertedType::kInt8);
  EXPECT_EQ(find("i8").logical_type, (LogicalType{IntType{8, true}}));
  EXPECT_EQ(find("u32").type, Type::kInt32);
  EXPECT_EQ(find("u32").converted_type, ConvertedType::kUint32);
  EXPECT_EQ(find("u32").logical_type, (LogicalType{IntType{32, false}}));
  EXPECT_EQ(find("u64").type, Type::kInt64);
  EXPECT_EQ(find("u64").converted_type, ConvertedType::kUint64);
  EXPECT_EQ(find("f").type, Type::kFloat);
  EXPECT_FALSE(find("f").logical_type.has_value());
  EXPECT_EQ(find("dec9").type, Type::kInt32);
  EXPECT_EQ(find("dec18").type, Type::kInt64);
  EXPECT_EQ(find("dec38").type, Type::kFixedLenByteArray);
  EXPECT_EQ(find("dec38").type_length, 16);
  EXPECT_EQ(find("dec38").converted_type, ConvertedType::kDecimal);
  EXPECT_EQ(find("dec38").precision, 38);
  EXPECT_EQ(find("dec38").scale, 10);
  EXPECT_EQ(find("dec38").logical_type, (LogicalType{DecimalType{10, 38}}));
  EXPECT_EQ(find("s").converted_type, ConvertedType::kUtf8);
  EXPECT_EQ(find("s").logical_type, LogicalType{StringType{}});
  EXPECT_EQ(find("j").converted_type, ConvertedType::kJson);
  EXPECT_EQ(find("e").converted_type, ConvertedType::kEnum);
  EXPECT_EQ(find("bin").type, Type::kByteArray);
  EXPECT_FALSE(find("bin").converted_type.has_value());
  EXPECT_EQ(find("fixed").type_length, 3);
  EXPECT_EQ(find("uuid").type, Type::kFixedLenByteArray);
  EXPECT_EQ(find("uuid").type_length, 16);
  EXPECT_EQ(find("uuid").logical_type, LogicalType{UuidType{}});
  EXPECT_EQ(find("date").type, Type::kInt32);
  EXPECT_EQ(find("date").converted_type, ConvertedType::kDate);
  EXPECT_EQ(find("t_ms").type, Type::kInt32);
  EXPECT_EQ(find("t_ms").converted_type, ConvertedType::kTimeMillis);
  EXPECT_EQ(find("t_us").type, Type::kInt64);
  EXPECT_EQ(find("t_us").logical_type, (LogicalType{TimeType{false, PUnit::kMicros}}));
  EXPECT_FALSE(find("t_us").converted_type.has_value());  // not UTC-adjusted
  EXPECT_FALSE(find("t_ns").converted_type.has_value());
  EXPECT_EQ(find("ts_ms").converted_type, ConvertedType::kTimestampMillis);
  EXPECT_EQ(find("ts_ms").logical_type, (LogicalType{TimestampType{true, PUnit::kMillis}}));
  EXPECT_FALSE(find("ts_us").converted_type.has_value());
  EXPECT_EQ(find("ts_ns").logical_type, (LogicalType{TimestampType{true, PUnit::kNanos}}));
  EXPECT_FALSE(find("ts_ns").converted_type.has_value());
}

TEST(ToParquetSchema, WritesListsInTheThreeLevelFormAndStructsAsGroups) {
  Schema s;
  s.fields = {F("tags", DataType::List(F("item", DataType::Of(TypeKind::kString), false))),
              F("pt", DataType::Struct({F("x", DataType::Of(TypeKind::kDouble))}), false)};
  auto e = ToParquetSchema(s);
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(e->size(), 6u);
  const auto& list = (*e)[1];
  EXPECT_EQ(list.name, "tags");
  EXPECT_EQ(list.repetition_type, FieldRepetitionType::kOptional);
  EXPECT_EQ(list.num_children, 1);
  EXPECT_EQ(list.converted_type, ConvertedType::kList);
  EXPECT_EQ(list.logical_type, LogicalType{ListType{}});
  EXPECT_EQ((*e)[2].name, "list");
  EXPECT_EQ((*e)[2].repetition_type, FieldRepetitionType::kRepeated);
  EXPECT_EQ((*e)[2].num_children, 1);
  EXPECT_EQ((*e)[3].name, "element");
  EXPECT_EQ((*e)[3].repetition_type, FieldRepetitionType::kRequired);
  EXPECT_EQ((*e)[3].type, Type::kByteArray);
  EXPECT_EQ((*e)[4].name, "pt");
  EXPECT_EQ((*e)[4].repetition_type, FieldRepetitionType::kRequired);
  EXPECT_EQ((*e)[4].num_children, 1);
  EXPECT_FALSE((*e)[4].converted_type.has_value());
  EXPECT_EQ((*e)[5].name, "x");
}

TEST(ToParquetSchema, RejectsFieldsParquetCannotHoldNamingThem) {
  auto err = [](std::vector<Field> fields) {
    Schema s;
    s.fields = std::move(fields);
    auto r = ToParquetSchema(s);
    EXPECT_FALSE(r.ok());
    return r.status().message();
  };
  EXPECT_EQ(err({F("d", DataType::Decimal(39, 2))}), "field d: decimal precision 39 is outside 1..38");
  EXPECT_EQ(err({F("d", DataType::Decimal(5, 6))}), "field d: decimal scale 6 is outside 0..5");
  EXPECT_EQ(err({F("st", DataType::Struct({F("x", DataType::FixedBinary(0))}))}),
            "field st.x: fixed binary length 0 is not positive");
  EXPECT_EQ(err({F("a", DataType::Of(TypeKind::kInt32)), F("a", DataType::Of(TypeKind::kInt64))}),
            "field a: duplicate field name");
  EXPECT_EQ(err({F("st", DataType::Struct({}))}), "field st: a struct needs at least one field");
  EXPECT_EQ(err({}), "schema: a Parquet file needs at least one column");
  Schema s;
  s.fields = {F("x", DataType::Decimal(39, 2))};
  EXPECT_EQ(ToParquetSchema(s).status().code(), StatusCode::kInvalidArgument);
}

TEST(DecimalByteLength, IsTheFewestBytesHoldingThePrecision) {
  EXPECT_EQ(DecimalByteLength(19), 9);
  EXPECT_EQ(DecimalByteLength(20), 9);
  EXPECT_EQ(DecimalByteLength(21), 9);
  EXPECT_EQ(DecimalByteLength(22), 10);
  EXPECT_EQ(DecimalByteLength(38), 16);
}

TEST(FromParquetSchema, InvertsToParquetSchemaForEveryType) {
  const Schema s = EveryType();
  auto elements = ToParquetSchema(s);
  ASSERT_TRUE(elements.ok());
  auto back = FromParquetSchema(*elements, "x.parquet");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s) << back->ToString() << "\nvs\n" << s.ToString();
}

TEST(FromParquetSchema, ReadsConvertedTypesWithoutLogicalTypes) {
  std::vector<SchemaElement> e = {Group("schema", 4, std::nullopt)};
  auto leaf = [&](std::string n, Type t, ConvertedType c) {
    SchemaElement x = Leaf(std::move(n), t, FieldRepetitionType::kOptional);
    x.converted_type = c;
    e.push_back(x);
  };
  leaf("s", Type::kByteArray, ConvertedType::kUtf8);
  leaf("ts", Type::kInt64, ConvertedType::kTimestampMillis);
  leaf("u", Type::kInt32, ConvertedType::kUint16);
  leaf("d", Type::kInt64, ConvertedType::kDecimal);
  e.back().precision = 12;
  e.back().scale = 3;
  auto s = FromParquetSchema(e, "old.parquet");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->fields[0].type, DataType::Of(TypeKind::kString));
  EXPECT_EQ(s->fields[1].type, DataType::Timestamp(Unit::kMillis, true));
  EXPECT_EQ(s->fields[2].type, DataType::Of(TypeKind::kUInt16));
  EXPECT_EQ(s->fields[3].type, DataType::Decimal(12, 3));
}

TEST(FromParquetSchema, ReadsLegacyListForms) {
  // optional group a (LIST) { repeated int32 array }   -> list<int32 not null>
  // optional group b (LIST) { repeated group array { optional int32 x } } -> list<struct<x>>
  // repeated int64 c                                    -> list<int64 not null> not null
  std::vector<SchemaElement> e = {Group("schema", 3, std::nullopt)};
  SchemaElement a = Group("a", 1, FieldRepetitionType::kOptional);
  a.converted_type = ConvertedType::kList;
  e.push_back(a);
  e.push_back(Leaf("array", Type::kInt32, FieldRepetitionType::kRepeated));
  SchemaElement b = Group("b", 1, FieldRepetitionType::kOptional);
  b.converted_type = ConvertedType::kList;
  e.push_back(b);
  e.push_back(Group("array", 1, FieldRepetitionType::kRepeated));
  e.push_back(Leaf("x", Type::kInt32, FieldRepetitionType::kOptional));
  e.push_back(Leaf("c", Type::kInt64, FieldRepetitionType::kRepeated));
  auto s = FromParquetSchema(e, "legacy.parquet");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->fields.size(), 3u);
  EXPECT_EQ(s->fields[0].type, DataType::List(F("array", DataType::Of(TypeKind::kInt32), false)));
  EXPECT_TRUE(s->fields[0].nullable);
  EXPECT_EQ(s->fields[1].type,
            DataType::List(F("array", DataType::Struct({F("x", DataType::Of(TypeKind::kInt32))}), false)));
  EXPECT_EQ(s->fields[2].type, DataType::List(F("element", DataType::Of(TypeKind::kInt64), false)));
  EXPECT_FALSE(s->fields[2].nullable);
}

// The reader used to map MAP itself while FromParquetSchema refused it; they now share this.
TEST(FromParquetSchema, ReadsMapsAsListsOfKeyValueStructs) {
  // optional group m (MAP) { repeated group key_value (MAP_KEY_VALUE) { required binary key;
  //                                                                     optional int32 value } }
  std::vector<SchemaElement> e = {Group("schema", 1, std::nullopt)};
  SchemaElement m = Group("m", 1, FieldRepetitionType::kOptional);
  m.converted_type = ConvertedType::kMap;
  e.push_back(m);
  SchemaElement kv = Group("key_value", 2, FieldRepetitionType::kRepeated);
  kv.converted_type = ConvertedType::kMapKeyValue;
  e.push_back(kv);
  e.push_back(Leaf("key", Type::kByteArray, FieldRepetitionType::kRequired));
  e.push_back(Leaf("value", Type::kInt32, FieldRepetitionType::kOptional));
  auto r = FromParquetSchema(e, "m.parquet");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->fields[0], F("m", DataType::List(F("key_value", DataType::Struct({
                                        F("key", DataType::Of(TypeKind::kBinary), false),
                                        F("value", DataType::Of(TypeKind::kInt32))}), false))));
}

TEST(FromParquetSchema, RefusesNestingDeeperThan64Levels) {
  std::vector<SchemaElement> e = {Group("schema", 1, std::nullopt)};
  for (int i = 0; i < 65; ++i) e.push_back(Group("g", 1, FieldRepetitionType::kOptional));
  e.push_back(Leaf("x", Type::kInt32, FieldRepetitionType::kOptional));
  auto r = FromParquetSchema(e, "deep.parquet");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("nesting deeper than 64 levels is not supported"),
            std::string::npos) << r.status();
  e.erase(e.begin() + 1);  // 64 groups: fine
  EXPECT_TRUE(FromParquetSchema(e, "deep.parquet").ok());
}

TEST(FromParquetSchema, ReportsUnsupportedAndMalformedSchemasNamingFileAndColumn) {
  std::vector<SchemaElement> e = {Group("schema", 1, std::nullopt),
                                  Leaf("i", Type::kFixedLenByteArray, FieldRepetitionType::kOptional)};
  e[1].type_length = 12;
  e[1].converted_type = ConvertedType::kInterval;
  auto r = FromParquetSchema(e, "i.parquet");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "i.parquet: column i: INTERVAL is not supported");

  std::vector<SchemaElement> truncated = {Group("schema", 2, std::nullopt),
                                          Leaf("a", Type::kInt32, FieldRepetitionType::kOptional)};
  r = FromParquetSchema(truncated, "t.parquet");
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.status().message(), "t.parquet: the schema ends inside this group");

  std::vector<SchemaElement> bad_uuid = {Group("schema", 1, std::nullopt),
                                         Leaf("u", Type::kByteArray, FieldRepetitionType::kOptional)};
  bad_uuid[1].logical_type = LogicalType{UuidType{}};
  r = FromParquetSchema(bad_uuid, "u.parquet");
  EXPECT_EQ(r.status().message(), "u.parquet: column u: UUID must annotate FIXED_LEN_BYTE_ARRAY(16)");
}

}  // namespace
}  // namespace sluice::parquet
