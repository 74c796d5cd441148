#include "sluice/parquet/thrift_compact.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace sluice::parquet {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

FieldHeader NextField(CompactReader& r) {
  FieldHeader h;
  Status st = r.ReadFieldHeader(&h);
  EXPECT_TRUE(st.ok()) << st;
  return h;
}

TEST(CompactWriter, EncodesVarintsAsTheSpecificationsExample) {
  std::string out;
  CompactWriter w(&out);
  w.WriteVarint(50399);
  EXPECT_EQ(out, Bytes({0xDF, 0x89, 0x03}));
}

TEST(CompactWriter, EncodesIntegersAsZigzagVarints) {
  std::string out;
  CompactWriter w(&out);
  w.WriteI32(0);
  w.WriteI32(-1);
  w.WriteI32(1);
  w.WriteI32(-2);
  w.WriteI16(-32768);
  EXPECT_EQ(out, Bytes({0x00, 0x01, 0x02, 0x03, 0xFF, 0xFF, 0x03}));
  out.clear();
  w.WriteI64(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(out, Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

TEST(CompactWriter, UsesShortFieldHeadersForSmallDeltasAndTheLongFormOtherwise) {
  std::string out;
  CompactWriter w(&out);
  w.StructBegin();
  w.FieldI32(1, 7);   // delta 1: 0x15
  w.FieldI32(16, 7);  // delta 15: 0xF5
  w.FieldI32(40, 7);  // delta 24: long form 0x05, zigzag(40) = 80
  w.FieldI32(-3, 7);  // backwards: long form, zigzag(-3) = 5
  w.StructEnd();
  EXPECT_EQ(out, Bytes({0x15, 0x0E, 0xF5, 0x0E, 0x05, 0x50, 0x0E, 0x05, 0x05, 0x0E, 0x00}));
}

TEST(CompactWriter, PutsBoolFieldValuesInTheHeader) {
  std::string out;
  CompactWriter w(&out);
  w.StructBegin();
  w.FieldBool(1, true);
  w.FieldBool(2, false);
  w.StructEnd();
  EXPECT_EQ(out, Bytes({0x11, 0x12, 0x00}));
}

TEST(CompactWriter, RestoresTheEnclosingFieldIdAfterANestedStruct) {
  std::string out;
  CompactWriter w(&out);
  w.StructBegin();
  w.FieldI32(1, 1);
  w.FieldStruct(2);
  w.StructBegin();
  w.FieldI32(1, 2);
  w.StructEnd();
  w.FieldI32(3, 3);
  w.StructEnd();
  EXPECT_EQ(out, Bytes({0x15, 0x02, 0x1C, 0x15, 0x04, 0x00, 0x15, 0x06, 0x00}));
}

TEST(CompactWriter, WritesShortAndLongListHeaders) {
  std::string out;
  CompactWriter w(&out);
  w.ListBegin(CompactType::kI64, 3);
  w.ListBegin(CompactType::kBinary, 20);
  w.ListBegin(CompactType::kBoolFalse, 0);  // bool elements use type 1
  EXPECT_EQ(out, Bytes({0x36, 0xF8, 0x14, 0x01}));
}

TEST(CompactProtocol, RoundTripsEveryScalarTypeAtItsExtremes) {
  const std::string binary("a\0b\xff", 4);
  const std::string big(1000, 'z');
  std::string out;
  CompactWriter w(&out);
  w.StructBegin();
  w.FieldBool(1, true);
  w.FieldBool(2, false);
  w.FieldI8(3, -128);
  w.FieldI8(4, 127);
  w.FieldI16(5, std::numeric_limits<int16_t>::min());
  w.FieldI16(6, std::numeric_limits<int16_t>::max());
  w.FieldI32(7, std::numeric_limits<int32_t>::min());
  w.FieldI32(8, std::numeric_limits<int32_t>::max());
  w.FieldI64(9, std::numeric_limits<int64_t>::min());
  w.FieldI64(10, std::numeric_limits<int64_t>::max());
  w.FieldI64(11, -1);
  w.FieldDouble(12, -0.0);
  w.FieldDouble(13, std::numeric_limits<double>::infinity());
  w.FieldDouble(14, 1.5e-300);
  w.FieldBinary(15, "");
  w.FieldBinary(16, binary);
  w.FieldBinary(300, big);
  w.StructEnd();

  CompactReader r(out);
  ASSERT_TRUE(r.StructBegin().ok());
  FieldHeader h = NextField(r);
  EXPECT_EQ(h.id, 1);
  EXPECT_TRUE(h.is_bool());
  EXPECT_TRUE(h.bool_value());
  h = NextField(r);
  EXPECT_EQ(h.id, 2);
  EXPECT_TRUE(h.is_bool());
  EXPECT_FALSE(h.bool_value());
  int8_t i8;
  h = NextField(r);
  ASSERT_EQ(h.type, CompactType::kI8);
  ASSERT_TRUE(r.ReadI8(&i8).ok());
  EXPECT_EQ(i8, -128);
  h = NextField(r);
  ASSERT_TRUE(r.ReadI8(&i8).ok());
  EXPECT_EQ(i8, 127);
  int16_t i16;
  h = NextField(r);
  ASSERT_EQ(h.type, CompactType::kI16);
  ASSERT_TRUE(r.ReadI16(&i16).ok());
  EXPECT_EQ(i16, -32768);
  h = NextField(r);
  ASSERT_TRUE(r.ReadI16(&i16).ok());
  EXPECT_EQ(i16, 32767);
  int32_t i32;
  h = NextField(r);
  ASSERT_EQ(h.type, CompactType::kI32);
  ASSERT_TRUE(r.ReadI32(&i32).ok());
  EXPECT_EQ(i32, std::numeric_limits<int32_t>::min());
  h = NextField(r);
  ASSERT_TRUE(r.ReadI32(&i32).ok());
  EXPECT_EQ(i32, std::numeric_limits<int32_t>::max());
  int64_t i64;
  h = NextField(r);
  ASSERT_EQ(h.type, CompactType::kI64);
  ASSERT_TRUE(r.ReadI64(&i64).ok());
  EXPECT_EQ(i64, std::numeric_limits<int64_t>::min());
  h = NextField(r);
  ASSERT_TRUE(r.ReadI64(&i64).ok());
  EXPECT_EQ(i64, std::numeric_limits<int64_t>::max());
  h = NextField(r);
  ASSERT_TRUE(r.ReadI64(&i64).ok());
  EXPECT_EQ(i64, -1);
  double d;
  h = NextField(r);
  ASSERT_EQ(h.type, CompactType::kDouble);
  ASSERT_TRUE(r.ReadDouble(&d).ok());
  EXPECT_EQ(d, 0.0);
  EXPECT_TRUE(std::signbit(d));
  h = NextField(r);
  ASSERT_TRUE(r.ReadDouble(&d).ok());
  EXPECT_EQ(d, std::numeric_limits<double>::infinity());
  h = NextField(r);
  ASSERT_TRUE(r.ReadDouble(&d).ok());
  EXPECT_EQ(d, 1.5e-300);
  std::string s;
  h = NextField(r);
  ASSERT_EQ(h.type, CompactType::kBinary);
  ASSERT_TRUE(r.ReadBinary(&s).ok());
  EXPECT_EQ(s, "");
  h = NextField(r);
  ASSERT_TRUE(r.ReadBinary(&s).ok());
  EXPECT_EQ(s, binary);
  h = NextField(r);
  EXPECT_EQ(h.id, 300);
  ASSERT_TRUE(r.ReadBinary(&s).ok());
  EXPECT_EQ(s, big);
  h = NextField(r);
  EXPECT_EQ(h.type, CompactType::kStop);
  r.StructEnd();
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(CompactProtocol, RoundTripsDoublesBitForBitInLittleEndian) {
  std::string out;
  CompactWriter w(&out);
  w.WriteDouble(1.0);
  EXPECT_EQ(out, Bytes({0, 0, 0, 0, 0, 0, 0xF0, 0x3F}));
  CompactReader r(out);
  double d;
  ASSERT_TRUE(r.ReadDouble(&d).ok());
  EXPECT_EQ(d, 1.0);
}

TEST(CompactProtocol, RoundTripsLargeVarints) {
  for (int64_t v : {int64_t{0}, int64_t{63}, int64_t{64}, int64_t{-65}, int64_t{1} << 40,
                    -(int64_t{1} << 62), std::numeric_limits<int64_t>::max()}) {
    std::string out;
    CompactWriter w(&out);
    w.WriteI64(v);
    CompactReader r(out);
    int64_t back;
    ASSERT_TRUE(r.ReadI64(&back).ok());
    EXPECT_EQ(back, v);
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(CompactProtocol, RoundTripsNestedStructsAndListsOfStructs) {
  std::string out;
  CompactWriter w(&out);
  w.StructBegin();
  w.FieldList(1, CompactType::kStruct, 20);
  for (int i = 0; i < 20; ++i) {
    w.StructBegin();
    w.FieldI32(1, i);
    w.FieldStruct(2);
    w.StructBegin();
    w.FieldBinary(17, "inner" + std::to_string(i));
    w.StructEnd();
    w.FieldBool(3, i % 2 == 0);
    w.StructEnd();
  }
  w.FieldList(2, CompactType::kBoolTrue, 3);
  w.WriteBool(true);
  w.WriteBool(false);
  w.WriteBool(true);
  w.FieldI32(3, 99);
  w.StructEnd();

  CompactReader r(out);
  ASSERT_TRUE(r.StructBegin().ok());
  FieldHeader h = NextField(r);
  ASSERT_EQ(h.type, CompactType::kList);
  CompactType element;
  uint32_t size;
  ASSERT_TRUE(r.ReadListHeader(&element, &size).ok());
  EXPECT_EQ(element, CompactType::kStruct);
  ASSERT_EQ(size, 20u);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(r.StructBegin().ok());
    h = NextField(r);
    int32_t v;
    ASSERT_TRUE(r.ReadI32(&v).ok());
    EXPECT_EQ(v, i);
    h = NextField(r);
    ASSERT_EQ(h.type, CompactType::kStruct);
    ASSERT_TRUE(r.StructBegin().ok());
    h = NextField(r);
    EXPECT_EQ(h.id, 17);
    std::string s;
    ASSERT_TRUE(r.ReadBinary(&s).ok());
    EXPECT_EQ(s, "inner" + std::to_string(i));
    EXPECT_EQ(NextField(r).type, CompactType::kStop);
    r.StructEnd();
    h = NextField(r);
    EXPECT_EQ(h.id, 3);
    EXPECT_EQ(h.bool_value(), i % 2 == 0);
    EXPECT_EQ(NextField(r).type, CompactType::kStop);
    r.StructEnd();
  }
  h = NextField(r);
  EXPECT_EQ(h.id, 2);
  ASSERT_TRUE(r.ReadListHeader(&element, &size).ok());
  EXPECT_EQ(element, CompactType::kBoolTrue);
  ASSERT_EQ(size, 3u);
  bool b;
  ASSERT_TRUE(r.ReadBool(&b).ok());
  EXPECT_TRUE(b);
  ASSERT_TRUE(r.ReadBool(&b).ok());
  EXPECT_FALSE(b);
  ASSERT_TRUE(r.ReadBool(&b).ok());
  EXPECT_TRUE(b);
  h = NextField(r);
  EXPECT_EQ(h.id, 3);
  int32_t v;
  ASSERT_TRUE(r.ReadI32(&v).ok());
  EXPECT_EQ(v, 99);
  EXPECT_EQ(NextField(r).type, CompactType::kStop);
}

TEST(CompactReader, AcceptsBothBoolElementTypeIds) {
  const std::string input = Bytes({0x22, 0x01, 0x00});
  CompactReader r(input);
  CompactType element;
  uint32_t size;
  ASSERT_TRUE(r.ReadListHeader(&element, &size).ok());
  EXPECT_EQ(element, CompactType::kBoolTrue);
  EXPECT_EQ(size, 2u);
}

TEST(CompactReader, SkipsUnknownFieldsOfEveryType) {
  std::string out;
  CompactWriter w(&out);
  w.StructBegin();
  w.FieldBool(1, true);
  w.FieldBool(2, false);
  w.FieldI8(3, -5);
  w.FieldI16(4, -300);
  w.FieldI32(5, 1 << 30);
  w.FieldI64(6, -(int64_t{1} << 50));
  w.FieldDouble(7, 3.25);
  w.FieldBinary(8, "skip me");
  w.FieldList(9, CompactType::kStruct, 2);
  for (int i = 0; i < 2; ++i) {
    w.StructBegin();
    w.FieldList(1, CompactType::kBinary, 1);
    w.WriteBinary("x");
    w.StructEnd();
  }
  w.FieldList(10, CompactType::kBoolTrue, 2);
  w.WriteBool(true);
  w.WriteBool(false);
  w.FieldStruct(11);
  w.StructBegin();
  w.FieldStruct(1);
  w.StructBegin();
  w.FieldDouble(1, 1);
  w.StructEnd();
  w.StructEnd();
  // A set of two i32 (type 10), a map {i32: binary} of one entry (type 11), an empty map and
  // a uuid (type 13), hand-encoded since the writer has no API for them.
  out += Bytes({0x1A, 0x25, 0x02, 0x04});
  out += Bytes({0x1B, 0x01, 0x58, 0x02, 0x01, 'v'});
  out += Bytes({0x1B, 0x00});
  out += Bytes({0x1D});
  out += std::string(16, '\x42');
  // The one field the reader knows: id 40 after id 15, so long form.
  w.FieldI32(40, 1234);
  w.StructEnd();

  CompactReader r(out);
  ASSERT_TRUE(r.StructBegin().ok());
  int32_t found = 0;
  while (true) {
    FieldHeader h = NextField(r);
    if (h.type == CompactType::kStop) break;
    if (h.id == 40) {
      ASSERT_TRUE(r.ReadI32(&found).ok());
    } else {
      Status st = r.Skip(h.type);
      ASSERT_TRUE(st.ok()) << "field " << h.id << ": " << st;
    }
  }
  r.StructEnd();
  EXPECT_EQ(found, 1234);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(CompactReader, RefusesAListClaimingTwoToTheThirtyOneElements) {
  // List of i32 in long form with size 2^31, then a few bytes.
  std::string bytes = Bytes({0xF5, 0x80, 0x80, 0x80, 0x80, 0x08, 0, 0, 0, 0});
  CompactReader r(bytes);
  CompactType element;
  uint32_t size;
  EXPECT_EQ(r.ReadListHeader(&element, &size),
            Status::Corruption("list header at byte 0: size 2147483648 is beyond the int32 range"));
}

TEST(CompactReader, RefusesAListLargerThanTheRemainingInput) {
  std::string bytes = Bytes({0xF5, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0, 0, 0, 0});
  ReaderLimits limits;
  limits.max_container_elements = std::numeric_limits<uint32_t>::max();
  CompactReader r(bytes, limits);
  CompactType element;
  uint32_t size;
  EXPECT_EQ(
      r.ReadListHeader(&element, &size),
      Status::Corruption("list header at byte 0: size 2147483647 exceeds the 4 remaining bytes"));
}

TEST(CompactReader, RefusesAListLargerThanTheLimit) {
  std::string bytes = Bytes({0xF5, 0x0B}) + std::string(20, '\0');
  ReaderLimits limits;
  limits.max_container_elements = 10;
  CompactReader r(bytes, limits);
  CompactType element;
  uint32_t size;
  EXPECT_EQ(r.ReadListHeader(&element, &size),
            Status::Corruption("list header at byte 0: size 11 exceeds the limit of 10 elements"));
}

TEST(CompactReader, RefusesAStringLongerThanTheInput) {
  const std::string input = Bytes({0x05, 'a', 'b'});
  CompactReader r(input);
  std::string s;
  EXPECT_EQ(r.ReadBinary(&s),
            Status::Corruption("binary at byte 0: length 5 exceeds the 2 remaining bytes"));
}

TEST(CompactReader, RefusesAStringLongerThanTheLimit) {
  ReaderLimits limits;
  limits.max_binary_bytes = 3;
  const std::string input = Bytes({0x04, 'a', 'b', 'c', 'd'});
  CompactReader r(input, limits);
  std::string s;
  EXPECT_EQ(r.ReadBinary(&s),
            Status::Corruption("binary at byte 0: length 4 exceeds the limit of 3 bytes"));
}

TEST(CompactReader, RefusesVarintsThatAreTooLongOrTooWide) {
  {
    const std::string input(11, '\xFF');
    CompactReader r(input);
    int64_t v;
    EXPECT_EQ(r.ReadI64(&v), Status::Corruption("varint at byte 0: value exceeds 64 bits"));
  }
  {
    const std::string input = Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x7F});
    CompactReader r(input);
    int32_t v;
    EXPECT_EQ(r.ReadI32(&v), Status::Corruption("i32 at byte 0: value exceeds 32 bits"));
  }
  {
    const std::string input = Bytes({0x80, 0x80, 0x04});
    CompactReader r(input);  // zigzag 65536 = 32768
    int16_t v;
    EXPECT_EQ(r.ReadI16(&v), Status::Corruption("i16 at byte 0: value 32768 exceeds 16 bits"));
  }
  {
    const std::string input = Bytes({0x80, 0x80});
    CompactReader r(input);
    int32_t v;
    EXPECT_EQ(r.ReadI32(&v), Status::Corruption("varint at byte 0: input ends inside it"));
  }
}

TEST(CompactReader, RefusesStructsNestedDeeperThanTheLimit) {
  // 1000 nested struct fields with id 1: 0x1C each, never closed.
  std::string bomb = Bytes({0x1C});  // outer field header
  for (int i = 0; i < 1000; ++i) bomb += Bytes({0x1C});
  CompactReader r(bomb);
  ASSERT_TRUE(r.StructBegin().ok());
  FieldHeader h = NextField(r);
  Status st = r.Skip(h.type);
  EXPECT_EQ(st, Status::Corruption("struct at byte 64: nesting deeper than 64 levels"));
}

TEST(CompactReader, RefusesListsNestedDeeperThanTheLimit) {
  // list<list<list<...>>> of one element each: 0x19 per level.
  std::string bomb(1000, '\x19');
  CompactReader r(bomb);
  Status st = r.Skip(CompactType::kList);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("nesting deeper than 64 levels"), std::string::npos) << st;
}

TEST(CompactReader, ReportsTheEndOfInputInsideAStruct) {
  const std::string input = Bytes({0x15, 0x02});
  CompactReader r(input);
  ASSERT_TRUE(r.StructBegin().ok());
  FieldHeader h = NextField(r);
  ASSERT_TRUE(r.Skip(h.type).ok());
  EXPECT_EQ(r.ReadFieldHeader(&h),
            Status::Corruption("field header at byte 2: input ends inside a struct"));
}

TEST(CompactReader, RefusesUnknownFieldTypes) {
  const std::string input = Bytes({0x1E});
  CompactReader r(input);
  FieldHeader h;
  EXPECT_EQ(r.ReadFieldHeader(&h),
            Status::Corruption("field header at byte 0: unknown field type 14"));
}

}  // namespace
}  // namespace sluice::parquet
