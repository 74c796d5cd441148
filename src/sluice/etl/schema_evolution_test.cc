#include "sluice/etl/schema_evolution.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sluice::etl {
namespace {

using parquet::ColumnVector;
using parquet::DataType;
using parquet::Field;
using parquet::RecordBatch;
using parquet::Schema;
using parquet::TimeUnit;
using parquet::TypeKind;

DataType Bool() { return DataType::Of(TypeKind::kBoolean); }
DataType Int8() { return DataType::Of(TypeKind::kInt8); }
DataType Int16() { return DataType::Of(TypeKind::kInt16); }
DataType Int32() { return DataType::Of(TypeKind::kInt32); }
DataType Int64() { return DataType::Of(TypeKind::kInt64); }
DataType Float() { return DataType::Of(TypeKind::kFloat); }
DataType Double() { return DataType::Of(TypeKind::kDouble); }
DataType Dec(int p, int s) { return DataType::Decimal(p, s); }
DataType String() { return DataType::Of(TypeKind::kString); }
DataType Json() { return DataType::Of(TypeKind::kJson); }
DataType Date() { return DataType::Of(TypeKind::kDate); }
DataType Ts() { return DataType::Timestamp(TimeUnit::kMicros, true); }

Field F(std::string name, DataType type, bool nullable = true) {
  return Field{std::move(name), std::move(type), nullable};
}
Field NotNull(std::string name, DataType type) {
  return F(std::move(name), std::move(type), false);
}

Schema S(std::vector<Field> fields) { return Schema{std::move(fields)}; }

std::vector<std::string> Texts(const std::vector<SchemaChange>& changes) {
  std::vector<std::string> out;
  for (const SchemaChange& c : changes) out.push_back(c.ToString());
  return out;
}

// 16 bytes, big-endian two's complement, from 32 hex digits.
std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

constexpr std::string_view kNotADatasetType =
    " is not a dataset type (bool, int8, int16, int32, int64, float, double, decimal(p,s), "
    "string, date, timestamp, json, list, struct)";

// ---- JSON form ---------------------------------------------------------------------------

TEST(SchemaJson, WritesTheDocumentedForm) {
  Schema s = S({NotNull("order_id", String()), F("amount", Dec(10, 2))});
  EXPECT_EQ(SchemaToJson(s), R"j({"fields":[{"name":"order_id","type":"string","nullable":false},)j"
                             R"j({"name":"amount","type":"decimal(10,2)","nullable":true}]})j");
}

TEST(SchemaJson, RoundTripsEveryDatasetType) {
  Schema s = S({F("b", Bool()), NotNull("i8", Int8()), F("i16", Int16()), F("i32", Int32()),
                F("i64", Int64()), F("f", Float()), F("d", Double()), F("small", Dec(10, 2)),
                F("wide", Dec(38, 10)), F("s", String()), F("day", Date()), F("at", Ts()),
                F("doc", Json()), F("tags", DataType::List(F("element", String(), false))),
                F("address", DataType::Struct({NotNull("city", String()), F("zip", Int32())}))});
  std::string text = SchemaToJson(s);
  Result<Schema> back = SchemaFromJson(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(SchemaToJson(*back), text);
}

TEST(SchemaJson, WritesNestedTypesAsObjects) {
  Schema s = S({F("tags", DataType::List(F("element", Int32()))),
                F("address", DataType::Struct({F("city", String())}))});
  EXPECT_EQ(SchemaToJson(s),
            R"j({"fields":[{"name":"tags","type":{"list":{"name":"element","type":"int32",)j"
            R"j("nullable":true}},"nullable":true},{"name":"address","type":{"struct":[)j"
            R"j({"name":"city","type":"string","nullable":true}]},"nullable":true}]})j");
}

TEST(SchemaJson, ReadsNullableAsTrueWhenLeftOutAndAcceptsSpacesInDecimals) {
  Result<Schema> s = SchemaFromJson(
      R"j({"fields": [{"name": "amount", "type": "decimal( 12 , 3 )"},
                     {"name": "id", "type": "int64", "nullable": false}]})j");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, S({F("amount", Dec(12, 3)), NotNull("id", Int64())}));
}

TEST(SchemaJson, ReadsAnEmptySchema) {
  Result<Schema> s = SchemaFromJson(R"j({"fields":[]})j");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->fields.empty());
  EXPECT_EQ(SchemaToJson(Schema{}), R"j({"fields":[]})j");
}

void ExpectRejected(std::string_view text, std::string_view message) {
  Result<Schema> s = SchemaFromJson(text);
  ASSERT_FALSE(s.ok()) << text;
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(), message) << text;
}

TEST(SchemaJson, RejectsAnUnknownTypeNamingTheJsonPath) {
  ExpectRejected(
      R"j({"fields":[{"name":"a","type":"int32"},{"name":"b","type":"varchar"}]})j",
      "schema $.fields[1].type: unknown type \"varchar\"; expected one of bool, int8, int16, "
      "int32, int64, float, double, decimal(p,s), string, date, timestamp, json");
  ExpectRejected(R"j({"fields":[{"name":"a","type":"uint32"}]})j",
                 "schema $.fields[0].type: unknown type \"uint32\"; expected one of bool, int8, "
                 "int16, int32, int64, float, double, decimal(p,s), string, date, timestamp, "
                 "json");
}

TEST(SchemaJson, RejectsDecimalsOutsideTheirLimits) {
  ExpectRejected(R"j({"fields":[{"name":"a","type":"decimal(39,2)"}]})j",
                 "schema $.fields[0].type: type \"decimal(39,2)\": precision must be 1 to 38");
  ExpectRejected(R"j({"fields":[{"name":"a","type":"decimal(0,0)"}]})j",
                 "schema $.fields[0].type: type \"decimal(0,0)\": precision must be 1 to 38");
  ExpectRejected(R"j({"fields":[{"name":"a","type":"decimal(5,6)"}]})j",
                 "schema $.fields[0].type: type \"decimal(5,6)\": scale must be 0 to the precision (5)");
  ExpectRejected(R"j({"fields":[{"name":"a","type":"decimal(5)"}]})j",
                 "schema $.fields[0].type: type \"decimal(5)\": decimal needs a precision and a "
                 "scale: decimal(p,s)");
}

TEST(SchemaJson, RejectsMalformedFields) {
  ExpectRejected(R"j([])j", "schema $: expected an object with \"fields\"");
  ExpectRejected(R"j({})j", "schema $.fields: missing");
  ExpectRejected(R"j({"fields":[],"version":1})j",
                 "schema $: unknown key \"version\"; expected fields");
  ExpectRejected(R"j({"fields":{}})j", "schema $.fields: expected an array of fields");
  ExpectRejected(R"j({"fields":[1]})j", "schema $.fields[0]: expected a field object");
  ExpectRejected(R"j({"fields":[{"type":"int32"}]})j",
                 "schema $.fields[0].name: expected a string");
  ExpectRejected(R"j({"fields":[{"name":"","type":"int32"}]})j",
                 "schema $.fields[0].name: a column name cannot be empty");
  ExpectRejected(R"j({"fields":[{"name":"a"}]})j", "schema $.fields[0].type: missing");
  ExpectRejected(R"j({"fields":[{"name":"a","type":"int32","nullable":"no"}]})j",
                 "schema $.fields[0].nullable: expected true or false");
  ExpectRejected(R"j({"fields":[{"name":"a","type":"int32","nullabel":false}]})j",
                 "schema $.fields[0]: unknown key \"nullabel\"; expected name, type, nullable");
  ExpectRejected(R"j({"fields":[{"name":"a","type":"int32"},{"name":"a","type":"string"}]})j",
                 "schema $.fields[1].name: column 'a' appears twice");
  ExpectRejected(R"j({"fields":[{"name":"a","type":{"map":{}}}]})j",
                 "schema $.fields[0].type: expected a type name or {\"list\": field} or "
                 "{\"struct\": [fields]}");
  ExpectRejected(R"j({"fields":[{"name":"a","type":{"list":{"name":"element","type":"text"}}}]})j",
                 "schema $.fields[0].type.list.type: unknown type \"text\"; expected one of bool, "
                 "int8, int16, int32, int64, float, double, decimal(p,s), string, date, "
                 "timestamp, json");
}

TEST(SchemaJson, RejectsInvalidJsonWithItsPlace) {
  Result<Schema> s = SchemaFromJson(R"j({"fields":[)j");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message().rfind("schema:1:", 0), 0u) << s.status();
}

TEST(SchemaValidation, RejectsTypesOutsideTheDatasetTypes) {
  Status st =
      ValidateDatasetSchema(S({F("a", Int32()), F("code", DataType::Of(TypeKind::kUInt32))}));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "column 'code': type uint32 is not a dataset type (bool, int8, int16, int32, int64, "
            "float, double, decimal(p,s), string, date, timestamp, json, list, struct)");
  st = ValidateDatasetSchema(S({F("at", DataType::Timestamp(TimeUnit::kMillis, true))}));
  EXPECT_EQ(st.message(), "column 'at': type timestamp[ms, UTC]" + std::string(kNotADatasetType));
  st = ValidateDatasetSchema(
      S({F("address", DataType::Struct({F("raw", DataType::Of(TypeKind::kBinary))}))}));
  EXPECT_EQ(st.message(), "column 'address.raw': type binary" + std::string(kNotADatasetType));
}

TEST(SchemaValidation, RejectsDuplicateAndEmptyNames) {
  EXPECT_EQ(ValidateDatasetSchema(S({F("a", Int32()), F("a", Int64())})).message(),
            "column 'a' appears twice");
  EXPECT_EQ(ValidateDatasetSchema(S({F("", Int32())})).message(), "a column has an empty name");
  EXPECT_EQ(ValidateDatasetSchema(S({F("s", DataType::Struct({F("", Int32())}))})).message(),
            "a field of column 's' has an empty name");
  EXPECT_TRUE(ValidateDatasetSchema(S({F("s", DataType::Struct({F("a", Int32())})),
                                       F("a", DataType::List(F("a", Int32())))}))
                  .ok());
}

TEST(SchemaTypeName, UsesTheJsonNames) {
  EXPECT_EQ(DatasetTypeName(Ts()), "timestamp");
  EXPECT_EQ(DatasetTypeName(Dec(10, 2)), "decimal(10,2)");
  EXPECT_EQ(DatasetTypeName(DataType::List(F("element", Ts()))), "list<timestamp>");
  EXPECT_EQ(DatasetTypeName(DataType::Struct({F("at", Ts()), F("n", Int8())})),
            "struct<at: timestamp, n: int8>");
  EXPECT_EQ(DatasetTypeName(DataType::Of(TypeKind::kUInt8)), "uint8");
}

// ---- policy and changes ------------------------------------------------------------------

TEST(SchemaPolicy, ParsesAdditiveAndStrict) {
  EXPECT_EQ(*ParseEvolutionPolicy("additive"), EvolutionPolicy::kAdditive);
  EXPECT_EQ(*ParseEvolutionPolicy("strict"), EvolutionPolicy::kStrict);
  Result<EvolutionPolicy> bad = ParseEvolutionPolicy("Strict");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown schema evolution policy \"Strict\"; expected additive or strict");
  EXPECT_EQ(EvolutionPolicyName(EvolutionPolicy::kStrict), "strict");
  EXPECT_EQ(EvolutionPolicyName(EvolutionPolicy::kAdditive), "additive");
}

TEST(SchemaChangeText, ReadsAsASentence) {
  using K = SchemaChange::Kind;
  EXPECT_EQ((SchemaChange{K::kAddColumn, "discount", "", "decimal(10,2)"}).ToString(),
            "add column discount: decimal(10,2) (nullable)");
  EXPECT_EQ((SchemaChange{K::kWidenType, "quantity", "int32", "int64"}).ToString(),
            "widen quantity: int32 -> int64");
  EXPECT_EQ((SchemaChange{K::kRelaxNullability, "order_id", "not null", "nullable"}).ToString(),
            "relax order_id: not null -> nullable");
}

// ---- Evolve ------------------------------------------------------------------------------

TEST(SchemaEvolve, KeepsAnIdenticalSchemaWithoutChanges) {
  Schema s = S({NotNull("order_id", String()), F("amount", Dec(10, 2))});
  for (EvolutionPolicy policy : {EvolutionPolicy::kAdditive, EvolutionPolicy::kStrict}) {
    Result<Evolution> e = Evolve(s, s, policy, "orders");
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(e->schema, s);
    EXPECT_TRUE(e->changes.empty());
  }
}

struct WideningCase {
  DataType current;
  DataType incoming;
  DataType result;
};

TEST(SchemaEvolve, WidensAColumnToTheNarrowestTypeBothFitIn) {
  const std::vector<WideningCase> cases = {
      {Int8(), Int16(), Int16()},
      {Int8(), Int32(), Int32()},
      {Int8(), Int64(), Int64()},
      {Int16(), Int32(), Int32()},
      {Int16(), Int64(), Int64()},
      {Int32(), Int64(), Int64()},
      {Int8(), Double(), Double()},
      {Int16(), Double(), Double()},
      {Int32(), Double(), Double()},
      {Int64(), Double(), Double()},
      {Float(), Double(), Double()},
      {Int32(), Float(), Double()},
      {Int64(), Float(), Double()},
      {Dec(10, 2), Dec(12, 4), Dec(12, 4)},
      {Dec(10, 2), Dec(12, 1), Dec(13, 2)},
      {Dec(10, 2), Dec(20, 2), Dec(20, 2)},
      {Dec(18, 2), Dec(19, 2), Dec(19, 2)},
      {Dec(36, 0), Dec(36, 2), Dec(38, 2)},
      {Int8(), Dec(3, 0), Dec(3, 0)},
      {Int16(), Dec(7, 2), Dec(7, 2)},
      {Int32(), Dec(12, 2), Dec(12, 2)},
      {Int64(), Dec(19, 0), Dec(19, 0)},
      {Int32(), Dec(5, 2), Dec(12, 2)},
      {Dec(10, 2), Int64(), Dec(21, 2)},
      {Date(), Ts(), Ts()},
  };
  for (const WideningCase& c : cases) {
    std::string label = DatasetTypeName(c.current) + " with " + DatasetTypeName(c.incoming);
    Result<Evolution> e =
        Evolve(S({F("x", c.current)}), S({F("x", c.incoming)}), EvolutionPolicy::kAdditive, "d");
    ASSERT_TRUE(e.ok()) << label << ": " << e.status();
    EXPECT_EQ(e->schema, S({F("x", c.result)})) << label;
    ASSERT_EQ(e->changes.size(), 1u) << label;
    EXPECT_EQ(e->changes[0], (SchemaChange{SchemaChange::Kind::kWidenType, "x",
                                           DatasetTypeName(c.current), DatasetTypeName(c.result)}))
        << label;
  }
}

TEST(SchemaEvolve, KeepsTheWiderCurrentTypeWhenTheIncomingOneIsNarrower) {
  const std::vector<std::pair<DataType, DataType>> cases = {
      {Int64(), Int32()},    {Int64(), Int8()},       {Int16(), Int8()},        {Double(), Int64()},
      {Double(), Float()},   {Double(), Int8()},      {Dec(12, 4), Dec(10, 2)}, {Dec(3, 0), Int8()},
      {Dec(21, 2), Int64()}, {Dec(38, 0), Dec(1, 0)}, {Ts(), Date()},
  };
  for (const auto& [current, incoming] : cases) {
    std::string label = DatasetTypeName(current) + " with " + DatasetTypeName(incoming);
    Result<Evolution> e =
        Evolve(S({F("x", current)}), S({F("x", incoming)}), EvolutionPolicy::kAdditive, "d");
    ASSERT_TRUE(e.ok()) << label << ": " << e.status();
    EXPECT_EQ(e->schema, S({F("x", current)})) << label;
    EXPECT_TRUE(e->changes.empty()) << label;
  }
}

std::string RefusalOf(const DataType& current, const DataType& incoming) {
  Result<Evolution> e =
      Evolve(S({F("x", current)}), S({F("x", incoming)}), EvolutionPolicy::kAdditive, "d");
  if (e.ok()) return "accepted";
  EXPECT_EQ(e.status().code(), StatusCode::kFailedPrecondition);
  return e.status().message();
}

TEST(SchemaEvolve, RefusesTypesWithoutACommonWiderType) {
  const std::string header =
      "schema of dataset d is incompatible with the incoming data (policy additive):\n  ";
  EXPECT_EQ(RefusalOf(Int64(), String()),
            header + "x: int64 -> string (no widening from int64 to string)");
  EXPECT_EQ(RefusalOf(String(), Int64()),
            header + "x: string -> int64 (no widening from string to int64)");
  EXPECT_EQ(RefusalOf(String(), Json()),
            header + "x: string -> json (no widening from string to json)");
  EXPECT_EQ(RefusalOf(Bool(), Int8()), header + "x: bool -> int8 (no widening from bool to int8)");
  EXPECT_EQ(RefusalOf(Date(), Int32()),
            header + "x: date -> int32 (no widening from date to int32)");
  EXPECT_EQ(RefusalOf(Ts(), Int64()),
            header + "x: timestamp -> int64 (no widening from timestamp to int64)");
  EXPECT_EQ(RefusalOf(Dec(10, 2), Double()),
            header + "x: decimal(10,2) -> double (no widening from decimal(10,2) to double)");
  EXPECT_EQ(RefusalOf(Float(), Dec(10, 2)),
            header + "x: float -> decimal(10,2) (no widening from float to decimal(10,2))");
  EXPECT_EQ(RefusalOf(DataType::List(F("element", Int32())), DataType::List(F("element", Int64()))),
            header + "x: list<int32> -> list<int64> (no widening from list<int32> to list<int64>)");
}

TEST(SchemaEvolve, RefusesDecimalsNeedingMoreThan38Digits) {
  const std::string header =
      "schema of dataset d is incompatible with the incoming data (policy additive):\n  ";
  EXPECT_EQ(RefusalOf(Dec(38, 2), Dec(38, 10)),
            header +
                "x: decimal(38,2) -> decimal(38,10) (decimal(38,2) and decimal(38,10) need "
                "46 digits, more than 38)");
  EXPECT_EQ(RefusalOf(Int64(), Dec(38, 20)),
            header +
                "x: int64 -> decimal(38,20) (int64 and decimal(38,20) need 39 digits, more "
                "than 38)");
}

TEST(SchemaEvolve, AppendsNewColumnsAsNullable) {
  Schema current = S({NotNull("order_id", String())});
  Schema incoming =
      S({NotNull("discount", Dec(10, 2)), NotNull("order_id", String()), F("note", String())});
  Result<Evolution> e = Evolve(current, incoming, EvolutionPolicy::kAdditive, "orders");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->schema,
            S({NotNull("order_id", String()), F("discount", Dec(10, 2)), F("note", String())}));
  EXPECT_EQ(Texts(e->changes),
            (std::vector<std::string>{"add column discount: decimal(10,2) (nullable)",
                                      "add column note: string (nullable)"}));
  EXPECT_EQ(e->changes[0],
            (SchemaChange{SchemaChange::Kind::kAddColumn, "discount", "", "decimal(10,2)"}));
}

TEST(SchemaEvolve, KeepsColumnsTheIncomingDataLacksAndRelaxesThemWhenNotNull) {
  Schema current =
      S({NotNull("order_id", String()), NotNull("quantity", Int32()), F("note", String())});
  Schema incoming = S({NotNull("order_id", String())});
  Result<Evolution> e = Evolve(current, incoming, EvolutionPolicy::kAdditive, "orders");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->schema,
            S({NotNull("order_id", String()), F("quantity", Int32()), F("note", String())}));
  ASSERT_EQ(e->changes.size(), 1u);
  EXPECT_EQ(e->changes[0], (SchemaChange{SchemaChange::Kind::kRelaxNullability, "quantity",
                                         "not null", "nullable"}));
}

TEST(SchemaEvolve, RelaxesANotNullColumnWhenTheIncomingOneIsNullable) {
  Result<Evolution> e =
      Evolve(S({NotNull("id", String())}), S({F("id", String())}), EvolutionPolicy::kAdditive, "d");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->schema, S({F("id", String())}));
  EXPECT_EQ(Texts(e->changes), (std::vector<std::string>{"relax id: not null -> nullable"}));
}

TEST(SchemaEvolve, KeepsANullableColumnNullableWhenTheIncomingOneIsNotNull) {
  Result<Evolution> e =
      Evolve(S({F("id", String())}), S({NotNull("id", String())}), EvolutionPolicy::kAdditive, "d");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->schema, S({F("id", String())}));
  EXPECT_TRUE(e->changes.empty());
}

TEST(SchemaEvolve, WidensAndRelaxesTheSameColumn) {
  Result<Evolution> e =
      Evolve(S({NotNull("quantity", Int32()), F("at", Date())}),
             S({F("at", Ts()), F("quantity", Int64())}), EvolutionPolicy::kAdditive, "d");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->schema, S({F("quantity", Int64()), F("at", Ts())}));
  EXPECT_EQ(Texts(e->changes), (std::vector<std::string>{"widen quantity: int32 -> int64",
                                                         "relax quantity: not null -> nullable",
                                                         "widen at: date -> timestamp"}));
}

TEST(SchemaEvolve, ListsEveryDifferenceWhenRefusing) {
  Schema current = S({NotNull("order_id", String()), F("quantity", Int64())});
  Schema incoming =
      S({NotNull("order_id", String()), F("quantity", String()), F("discount", Dec(10, 2))});
  Result<Evolution> e = Evolve(current, incoming, EvolutionPolicy::kAdditive, "orders");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(e.status().message(),
            "schema of dataset orders is incompatible with the incoming data (policy additive):\n"
            "  quantity: int64 -> string (no widening from int64 to string)\n"
            "  + discount: decimal(10,2)");

  current = S({NotNull("order_id", String()), F("quantity", Int32()), F("note", String()),
               F("ok", Bool())});
  incoming = S({F("ok", Bool()), F("order_id", Int64()), F("quantity", Int64())});
  e = Evolve(current, incoming, EvolutionPolicy::kAdditive, "orders");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(),
            "schema of dataset orders is incompatible with the incoming data (policy additive):\n"
            "  order_id: string -> int64 (no widening from string to int64)\n"
            "  ~ quantity: int32 -> int64\n"
            "  - note: string");
}

TEST(SchemaEvolve, StrictAcceptsTheSameColumnsInAnyOrderAndNotNullForNullable) {
  Schema current = S({F("order_id", String()), F("amount", Dec(10, 2))});
  Schema incoming = S({F("amount", Dec(10, 2)), NotNull("order_id", String())});
  Result<Evolution> e = Evolve(current, incoming, EvolutionPolicy::kStrict, "orders");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->schema, current);
  EXPECT_TRUE(e->changes.empty());
}

TEST(SchemaEvolve, StrictRefusesEveryOtherDifference) {
  Schema current = S({NotNull("order_id", String()), F("quantity", Int32()), F("note", String()),
                      F("amount", Dec(10, 2))});
  Schema incoming = S({F("order_id", String()), F("quantity", Int64()), F("amount", Dec(10, 2)),
                       F("discount", Dec(10, 2))});
  Result<Evolution> e = Evolve(current, incoming, EvolutionPolicy::kStrict, "orders");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(e.status().message(),
            "schema of dataset orders is incompatible with the incoming data (policy strict):\n"
            "  ~ order_id: string not null -> string\n"
            "  ~ quantity: int32 -> int64\n"
            "  - note: string\n"
            "  + discount: decimal(10,2)");

  // Each difference alone is enough.
  EXPECT_FALSE(
      Evolve(S({F("a", Int32())}), S({F("a", Int64())}), EvolutionPolicy::kStrict, "d").ok());
  EXPECT_FALSE(Evolve(S({F("a", Int32())}), S({F("a", Int32()), F("b", Int32())}),
                      EvolutionPolicy::kStrict, "d")
                   .ok());
  EXPECT_FALSE(Evolve(S({F("a", Int32()), F("b", Int32())}), S({F("a", Int32())}),
                      EvolutionPolicy::kStrict, "d")
                   .ok());
  EXPECT_FALSE(
      Evolve(S({NotNull("a", Int32())}), S({F("a", Int32())}), EvolutionPolicy::kStrict, "d").ok());
}

TEST(SchemaEvolve, RejectsSchemasWithTypesOutsideTheDatasetTypes) {
  Result<Evolution> e = Evolve(S({F("a", Int32())}), S({F("a", DataType::Of(TypeKind::kUInt32))}),
                               EvolutionPolicy::kAdditive, "orders");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.status().message(),
            "incoming schema: column 'a': type uint32" + std::string(kNotADatasetType));
}

// ---- SchemaDiff --------------------------------------------------------------------------

TEST(SchemaDiffText, MarksEveryColumnLineByLine) {
  Schema a = S({NotNull("order_id", String()), F("quantity", Int32()), F("note", String()),
                F("amount", Dec(10, 2))});
  Schema b = S({F("order_id", String()), F("amount", Dec(10, 2)), F("quantity", Int64()),
                F("discount", Dec(10, 2)), NotNull("at", Ts())});
  EXPECT_EQ(SchemaDiff(a, b),
            "~ order_id: string not null -> string\n"
            "~ quantity: int32 -> int64\n"
            "- note: string\n"
            "  amount: decimal(10,2)\n"
            "+ discount: decimal(10,2)\n"
            "+ at: timestamp not null\n");
  EXPECT_EQ(SchemaDiff(a, a),
            "  order_id: string not null\n"
            "  quantity: int32\n"
            "  note: string\n"
            "  amount: decimal(10,2)\n");
  EXPECT_EQ(SchemaDiff(Schema{}, Schema{}), "");
}

// ---- ConformBatch ------------------------------------------------------------------------

ColumnVector Int32s(const std::vector<std::optional<int32_t>>& values, DataType type = Int32()) {
  ColumnVector c = ColumnVector::Make(type);
  for (const auto& v : values) v ? c.AppendInt32(*v) : c.AppendNull();
  return c;
}
ColumnVector Int64s(const std::vector<std::optional<int64_t>>& values, DataType type = Int64()) {
  ColumnVector c = ColumnVector::Make(type);
  for (const auto& v : values) v ? c.AppendInt64(*v) : c.AppendNull();
  return c;
}
ColumnVector Strings(const std::vector<std::optional<std::string>>& values) {
  ColumnVector c = ColumnVector::Make(String());
  for (const auto& v : values) v ? c.AppendBytes(*v) : c.AppendNull();
  return c;
}
ColumnVector Wide(const std::vector<std::string>& values, DataType type) {
  ColumnVector c = ColumnVector::Make(type);
  for (const std::string& v : values) c.AppendBytes(v);
  return c;
}

RecordBatch Batch(std::vector<Field> fields, std::vector<ColumnVector> columns) {
  RecordBatch b;
  b.schema = S(std::move(fields));
  b.num_rows = columns.empty() ? 0 : columns[0].length;
  b.columns = std::move(columns);
  return b;
}

// The single column of ConformBatch(batch of one column `from`, target of one column `to`).
ColumnVector ConformOne(ColumnVector from, DataType to) {
  RecordBatch b = Batch({F("x", from.type)}, {std::move(from)});
  Result<RecordBatch> out = ConformBatch(b, S({F("x", to)}));
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return ColumnVector{};
  EXPECT_TRUE(out->Validate().ok()) << out->Validate();
  return out->columns[0];
}

TEST(SchemaConform, OrdersColumnsAsTheTargetAndFillsMissingOnesWithNulls) {
  RecordBatch b = Batch({F("quantity", Int32()), NotNull("order_id", String())},
                        {Int32s({1, 2}), Strings({"o1", "o2"})});
  Schema target = S({NotNull("order_id", String()), F("quantity", Int32()), F("note", String()),
                     F("address", DataType::Struct({F("city", String())})),
                     F("tags", DataType::List(F("element", String())))});
  Result<RecordBatch> out = ConformBatch(b, target);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->Validate().ok()) << out->Validate();
  EXPECT_EQ(out->schema, target);
  EXPECT_EQ(out->num_rows, 2);
  EXPECT_EQ(out->columns[0].BytesAt(0), "o1");
  EXPECT_EQ(out->columns[0].BytesAt(1), "o2");
  EXPECT_EQ(out->columns[1].ints32, (std::vector<int32_t>{1, 2}));
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_EQ(out->columns[i].length, 2);
    EXPECT_EQ(out->columns[i].null_count(), 2) << target.fields[i].name;
  }
}

TEST(SchemaConform, PassesAMatchingBatchThroughUnchanged) {
  RecordBatch b = Batch({F("a", Int32()), F("b", String())},
                        {Int32s({1, std::nullopt}), Strings({"x", std::nullopt})});
  Result<RecordBatch> out = ConformBatch(b, b.schema);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->columns[0].ints32, b.columns[0].ints32);
  EXPECT_EQ(out->columns[0].validity, b.columns[0].validity);
  EXPECT_EQ(out->columns[1].bytes, "x");
  EXPECT_EQ(out->columns[1].validity, (std::vector<uint8_t>{1, 0}));
}

TEST(SchemaConform, WidensIntsKeepingNullsAndNegativeValues) {
  ColumnVector c = ConformOne(Int32s({-128, std::nullopt, 127}, Int8()), Int16());
  EXPECT_EQ(c.type, Int16());
  EXPECT_EQ(c.ints32, (std::vector<int32_t>{-128, 0, 127}));
  EXPECT_EQ(c.validity, (std::vector<uint8_t>{1, 0, 1}));

  c = ConformOne(Int32s({-32768, 32767}, Int16()), Int32());
  EXPECT_EQ(c.ints32, (std::vector<int32_t>{-32768, 32767}));

  c = ConformOne(Int32s({std::numeric_limits<int32_t>::min(), std::nullopt, 7}), Int64());
  EXPECT_EQ(c.ints64, (std::vector<int64_t>{-2147483648LL, 0, 7}));
  EXPECT_EQ(c.validity, (std::vector<uint8_t>{1, 0, 1}));

  c = ConformOne(Int32s({-5}, Int8()), Int64());
  EXPECT_EQ(c.ints64, (std::vector<int64_t>{-5}));
}

TEST(SchemaConform, WidensIntsAndFloatsToDouble) {
  EXPECT_EQ(ConformOne(Int32s({-3, 4}, Int8()), Double()).doubles, (std::vector<double>{-3, 4}));
  EXPECT_EQ(ConformOne(Int32s({-70000, 70000}), Double()).doubles,
            (std::vector<double>{-70000, 70000}));
  EXPECT_EQ(ConformOne(Int64s({-(1LL << 53), 1LL << 40}), Double()).doubles,
            (std::vector<double>{-9007199254740992.0, 1099511627776.0}));
  ColumnVector floats = ColumnVector::Make(Float());
  floats.AppendFloat(1.5f);
  floats.AppendNull();
  floats.AppendFloat(-0.25f);
  ColumnVector c = ConformOne(floats, Double());
  EXPECT_EQ(c.doubles, (std::vector<double>{1.5, 0, -0.25}));
  EXPECT_EQ(c.validity, (std::vector<uint8_t>{1, 0, 1}));
}

TEST(SchemaConform, RescalesDecimalsWithinEighteenDigits) {
  ColumnVector c = ConformOne(Int64s({12345, -1, std::nullopt}, Dec(10, 2)), Dec(12, 4));
  EXPECT_EQ(c.type, Dec(12, 4));
  EXPECT_EQ(c.ints64, (std::vector<int64_t>{1234500, -100, 0}));
  EXPECT_EQ(c.validity, (std::vector<uint8_t>{1, 1, 0}));
  // Same scale, more integer digits: the unscaled values stay.
  EXPECT_EQ(ConformOne(Int64s({-999}, Dec(3, 0)), Dec(18, 0)).ints64, (std::vector<int64_t>{-999}));
}

TEST(SchemaConform, MovesDecimalsAboveEighteenDigitsToSixteenBytes) {
  ColumnVector c =
      ConformOne(Int64s({999999999999999999LL, -123, std::nullopt}, Dec(18, 2)), Dec(20, 4));
  EXPECT_EQ(c.type, Dec(20, 4));
  EXPECT_TRUE(c.ints64.empty());
  EXPECT_EQ(c.bytes, Hex("00000000000000056bc75e2d630fff9c") +      // 99999999999999999900
                         Hex("ffffffffffffffffffffffffffffcff4") +  // -12300
                         std::string(16, '\0'));
  EXPECT_EQ(c.validity, (std::vector<uint8_t>{1, 1, 0}));
}

TEST(SchemaConform, RescalesWideDecimals) {
  ColumnVector c =
      ConformOne(Wide({Hex("0000000000000000ab54a98ceb1f0ad2"),   // 12345678901234567890
                       Hex("fffffffffffffffffffffffffffffffb")},  // -5
                      Dec(20, 2)),
                 Dec(24, 4));
  EXPECT_EQ(c.bytes, Hex("0000000000000042ed123b0bd8203a08") +      // 1234567890123456789000
                         Hex("fffffffffffffffffffffffffffffe0c"));  // -500
}

TEST(SchemaConform, ConvertsIntsToDecimals) {
  EXPECT_EQ(ConformOne(Int32s({-7, 2147483647}), Dec(12, 2)).ints64,
            (std::vector<int64_t>{-700, 214748364700LL}));
  EXPECT_EQ(ConformOne(Int32s({-128}, Int8()), Dec(3, 0)).ints64, (std::vector<int64_t>{-128}));
  ColumnVector c = ConformOne(Int64s({std::numeric_limits<int64_t>::min(), -1}), Dec(21, 2));
  EXPECT_EQ(c.bytes, Hex("ffffffffffffffce0000000000000000") +      // -922337203685477580800
                         Hex("ffffffffffffffffffffffffffffff9c"));  // -100
}

TEST(SchemaConform, TurnsDatesIntoTimestampsAtMidnightUtc) {
  ColumnVector c = ConformOne(Int32s({0, 19000, -1, std::nullopt}, Date()), Ts());
  EXPECT_EQ(c.type, Ts());
  EXPECT_EQ(c.ints64, (std::vector<int64_t>{0, 19000LL * 86400 * 1000000, -86400LL * 1000000, 0}));
  EXPECT_EQ(c.validity, (std::vector<uint8_t>{1, 1, 1, 0}));
}

TEST(SchemaConform, RefusesADateBeyondTheTimestampRange) {
  // 106751991 days is the last whole day in int64 microseconds.
  ColumnVector c = ConformOne(Int32s({106751991, -106751991}, Date()), Ts());
  EXPECT_EQ(c.ints64,
            (std::vector<int64_t>{106751991LL * 86400000000LL, -106751991LL * 86400000000LL}));
  RecordBatch b = Batch({F("day", Date())}, {Int32s({0, 106751992}, Date())});
  Result<RecordBatch> out = ConformBatch(b, S({F("day", Ts())}));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "column 'day' row 1: date 106751992 days from 1970-01-01 is beyond the timestamp "
            "range");
}

Status ConformError(RecordBatch b, const Schema& target) {
  Result<RecordBatch> out = ConformBatch(b, target);
  EXPECT_FALSE(out.ok());
  return out.status();
}

TEST(SchemaConform, RefusesConversionsThatAreNotWidenings) {
  Status st =
      ConformError(Batch({F("quantity", Int64())}, {Int64s({1})}), S({F("quantity", Int32())}));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "column 'quantity': int64 does not widen to int32");
  st =
      ConformError(Batch({F("x", Dec(10, 2))}, {Int64s({1}, Dec(10, 2))}), S({F("x", Dec(10, 1))}));
  EXPECT_EQ(st.message(), "column 'x': decimal(10,2) does not widen to decimal(10,1)");
  st = ConformError(Batch({F("x", String())}, {Strings({"1"})}), S({F("x", Int64())}));
  EXPECT_EQ(st.message(), "column 'x': string does not widen to int64");
  st = ConformError(Batch({F("x", Double())}, {ConformOne(Int32s({1}), Double())}),
                    S({F("x", Float())}));
  EXPECT_EQ(st.message(), "column 'x': double does not widen to float");
}

TEST(SchemaConform, RefusesAMissingOrNullNotNullColumn) {
  Status st = ConformError(Batch({F("a", Int32())}, {Int32s({1})}),
                           S({F("a", Int32()), NotNull("id", String())}));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "column 'id' is NOT NULL in the target schema but missing from the batch");
  st = ConformError(Batch({F("id", Int32())}, {Int32s({1, std::nullopt})}),
                    S({NotNull("id", Int64())}));
  EXPECT_EQ(st.message(), "column 'id' is NOT NULL in the target schema but holds 1 nulls");
}

TEST(SchemaConform, RefusesABatchWithAColumnTheTargetLacks) {
  Status st =
      ConformError(Batch({F("a", Int32()), F("extra", Int32())}, {Int32s({1}), Int32s({2})}),
                   S({F("a", Int32())}));
  EXPECT_EQ(st.message(), "column 'extra' of the batch is not in the target schema");
}

TEST(SchemaConform, RefusesADecimalValueBeyondItsPrecision) {
  Status st = ConformError(Batch({F("x", Dec(3, 0))}, {Int64s({5, 1000}, Dec(3, 0))}),
                           S({F("x", Dec(5, 2))}));
  EXPECT_EQ(st.message(),
            "column 'x' row 1: unscaled value 1000 exceeds the precision of decimal(3,0)");
}

TEST(SchemaConform, RefusesAnInvalidBatch) {
  RecordBatch b = Batch({F("a", Int32())}, {Int32s({1})});
  b.num_rows = 2;
  Status st = ConformError(b, S({F("a", Int64())}));
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "column 'a' has 1 values for 2 rows");
}

TEST(SchemaConform, ReadsAnOldBatchUnderAnEvolvedSchema) {
  // The end-to-end promise: data written under v1 reads under the schema Evolve produced.
  Schema v1 = S({NotNull("order_id", String()), NotNull("quantity", Int32()),
                 F("amount", Dec(10, 2)), F("day", Date())});
  Schema incoming = S({NotNull("order_id", String()), F("quantity", Int64()),
                       F("amount", Dec(20, 4)), F("day", Ts()), F("discount", Dec(5, 2))});
  Result<Evolution> v2 = Evolve(v1, incoming, EvolutionPolicy::kAdditive, "orders");
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(Texts(v2->changes),
            (std::vector<std::string>{
                "widen quantity: int32 -> int64", "relax quantity: not null -> nullable",
                "widen amount: decimal(10,2) -> decimal(20,4)", "widen day: date -> timestamp",
                "add column discount: decimal(5,2) (nullable)"}));
  RecordBatch old = Batch(
      v1.fields, {Strings({"o1"}), Int32s({3}), Int64s({-250}, Dec(10, 2)), Int32s({1}, Date())});
  Result<RecordBatch> out = ConformBatch(old, v2->schema);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->columns[1].ints64, (std::vector<int64_t>{3}));
  EXPECT_EQ(out->columns[2].bytes, Hex("ffffffffffffffffffffffffffff9e58"));  // -25000
  EXPECT_EQ(out->columns[3].ints64, (std::vector<int64_t>{86400LL * 1000000}));
  EXPECT_EQ(out->columns[4].null_count(), 1);
}

}  // namespace
}  // namespace sluice::etl
