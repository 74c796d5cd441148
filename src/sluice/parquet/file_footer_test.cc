#include "sluice/parquet/file_footer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>

#include "sluice/common/file_util.h"
#include "sluice/common/test_temp_dir.h"

namespace sluice::parquet {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string Le32(uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

// A tiny Parquet file assembled by hand from the specification: one required INT32 column
// "x" holding the single value 7, PLAIN, uncompressed, one v1 data page.
//
//   0  "PAR1"
//   4  PageHeader (17 bytes)        type DATA_PAGE, sizes 4/4, data_page_header{1, PLAIN,
//                                   RLE, RLE}
//  21  07 00 00 00                  the value (no levels: the column is required)
//  25  FileMetaData (footer)
//      footer length, "PAR1"
const std::string kGoldenPageHeader = Bytes({
    0x15, 0x00,  // 1: type = DATA_PAGE (0)
    0x15, 0x08,  // 2: uncompressed_page_size = 4
    0x15, 0x08,  // 3: compressed_page_size = 4
    0x2C,        // 5: data_page_header (struct, delta 2)
    0x15, 0x02,  //   1: num_values = 1
    0x15, 0x00,  //   2: encoding = PLAIN
    0x15, 0x06,  //   3: definition_level_encoding = RLE (3)
    0x15, 0x06,  //   4: repetition_level_encoding = RLE (3)
    0x00,        //   stop
    0x00,        // stop
});

const std::string kGoldenFooter = Bytes({
    0x15, 0x02,                                  // 1: version = 1
    0x19, 0x2C,                                  // 2: schema, list of 2 structs
    0x48, 0x06, 's',  'c',  'h', 'e', 'm', 'a',  //   4: name = "schema"
    0x15, 0x02,                                  //   5: num_children = 1
    0x00,                                        //   stop
    0x15, 0x02,                                  //   1: type = INT32
    0x25, 0x00,                                  //   3: repetition_type = REQUIRED
    0x18, 0x01, 'x',                             //   4: name = "x"
    0x00,                                        //   stop
    0x16, 0x02,                                  // 3: num_rows = 1
    0x19, 0x1C,                                  // 4: row_groups, list of 1 struct
    0x19, 0x1C,                                  //   1: columns, list of 1 struct
    0x26, 0x08,                                  //     2: file_offset = 4
    0x1C,                                        //     3: meta_data
    0x15, 0x02,                                  //       1: type = INT32
    0x19, 0x25, 0x00, 0x06,                      //       2: encodings = [PLAIN, RLE]
    0x19, 0x18, 0x01, 'x',                       //       3: path_in_schema = ["x"]
    0x15, 0x00,                                  //       4: codec = UNCOMPRESSED
    0x16, 0x02,                                  //       5: num_values = 1
    0x16, 0x2A,                                  //       6: total_uncompressed_size = 21
    0x16, 0x2A,                                  //       7: total_compressed_size = 21
    0x26, 0x08,                                  //       9: data_page_offset = 4
    0x00,                                        //       stop
    0x00,                                        //     stop
    0x16, 0x2A,                                  //   2: total_byte_size = 21
    0x16, 0x02,                                  //   3: num_rows = 1
    0x00,                                        //   stop
    0x28, 0x06, 's',  'l',  'u', 'i', 'c', 'e',  // 6: created_by = "sluice"
    0x00,                                        // stop
});

std::string GoldenFile() {
  return "PAR1" + kGoldenPageHeader + Bytes({0x07, 0, 0, 0}) + kGoldenFooter +
         Le32(static_cast<uint32_t>(kGoldenFooter.size())) + "PAR1";
}

// The golden file's metadata, built through the API.
FileMetaData GoldenMetadata() {
  FileMetaData md;
  md.version = 1;
  SchemaElement root;
  root.name = "schema";
  root.num_children = 1;
  SchemaElement x;
  x.name = "x";
  x.type = Type::kInt32;
  x.repetition_type = FieldRepetitionType::kRequired;
  md.schema = {root, x};
  md.num_rows = 1;
  RowGroup group;
  ColumnChunk chunk;
  chunk.file_offset = 4;
  ColumnMetaData& cm = chunk.meta_data.emplace();
  cm.type = Type::kInt32;
  cm.encodings = {Encoding::kPlain, Encoding::kRle};
  cm.path_in_schema = {"x"};
  cm.codec = CompressionCodec::kUncompressed;
  cm.num_values = 1;
  cm.total_uncompressed_size = 21;
  cm.total_compressed_size = 21;
  cm.data_page_offset = 4;
  group.columns = {chunk};
  group.total_byte_size = 21;
  group.num_rows = 1;
  md.row_groups = {group};
  md.created_by = "sluice";
  return md;
}

// "PAR1" + `data_size` bytes of data + the footer of `md`.
std::string FileWith(const FileMetaData& md, size_t data_size = 21) {
  return "PAR1" + std::string(data_size, '\0') + SerializeFooter(md);
}

Status FooterStatus(std::string bytes) {
  StringSource source(std::move(bytes));
  return ReadFooter(source, "orders.parquet").status();
}

TEST(FooterGolden, DecodesAHandAssembledFileByteForByte) {
  StringSource source(GoldenFile());
  Result<FileMetaData> md = ReadFooter(source, "golden.parquet");
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_EQ(*md, GoldenMetadata());
  EXPECT_EQ(SerializeFileMetaData(GoldenMetadata()), kGoldenFooter);
  EXPECT_EQ("PAR1" + kGoldenPageHeader + Bytes({7, 0, 0, 0}) + SerializeFooter(*md), GoldenFile());

  size_t header_size = 0;
  Result<PageHeader> page = ParsePageHeader(GoldenFile().substr(4), &header_size);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(header_size, 17u);
  EXPECT_EQ(page->type, PageType::kDataPage);
  EXPECT_EQ(page->compressed_page_size, 4);
  ASSERT_TRUE(page->data_page_header.has_value());
  EXPECT_EQ(page->data_page_header->num_values, 1);
  EXPECT_EQ(page->data_page_header->definition_level_encoding, Encoding::kRle);
  EXPECT_EQ(SerializePageHeader(*page), kGoldenPageHeader);
}

TEST(Footer, ReadsAFileThroughFileSource) {
  common::TestTempDir dir;
  std::string path = dir.path() + "/golden.parquet";
  ASSERT_TRUE(common::WriteFileAtomically(path, GoldenFile()).ok());
  Result<std::unique_ptr<FileSource>> source = FileSource::Open(path);
  ASSERT_TRUE(source.ok()) << source.status();
  Result<FileMetaData> md = ReadFooter(**source, path);
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_EQ(*md, GoldenMetadata());
  std::string out;
  EXPECT_EQ((*source)->ReadAt(GoldenFile().size() - 2, 4, &out).code(), StatusCode::kOutOfRange);
  ::unlink(path.c_str());
  EXPECT_EQ(FileSource::Open(path).status().code(), StatusCode::kNotFound);
}

TEST(Footer, RefusesAFileTooSmallToBeParquet) {
  EXPECT_EQ(FooterStatus("PAR1PAR1"),
            Status::Corruption("orders.parquet: file size 8 is too small for a Parquet file (at "
                               "least 12 bytes: magic, footer length, magic)"));
}

TEST(Footer, RefusesAWrongLeadingMagic) {
  std::string file = GoldenFile();
  file.replace(0, 4, "id,n");
  EXPECT_EQ(FooterStatus(file),
            Status::Corruption(
                "orders.parquet: not a Parquet file: it starts with \"id,n\", not \"PAR1\""));
}

TEST(Footer, RefusesAWrongTrailingMagic) {
  std::string file = GoldenFile();
  file.replace(file.size() - 4, 4, Bytes({'P', 'A', 'R', 0}));
  EXPECT_EQ(FooterStatus(file),
            Status::Corruption("orders.parquet: the file does not end with \"PAR1\" but with "
                               "\"PAR\\x00\" (truncated or still being written?)"));
}

TEST(Footer, RefusesAnEncryptedFooter) {
  std::string file = GoldenFile();
  file.replace(file.size() - 4, 4, "PARE");
  EXPECT_EQ(FooterStatus(file),
            Status::Corruption("orders.parquet: the footer is encrypted (trailing magic "
                               "\"PARE\"), which is not supported"));
}

TEST(Footer, RefusesAFooterLengthBeyondTheFileSize) {
  std::string file = "PAR1" + std::string(1012, '\0') + Le32(0xFFFFFFFF) + "PAR1";
  ASSERT_EQ(file.size(), 1024u);
  EXPECT_EQ(FooterStatus(file),
            Status::Corruption("orders.parquet: footer length 4294967295 exceeds the file size "
                               "1024"));
  file = "PAR1" + std::string(1012, '\0') + Le32(1013) + "PAR1";
  EXPECT_EQ(FooterStatus(file),
            Status::Corruption("orders.parquet: footer length 1013 exceeds the file size 1024 "
                               "less its 12 bytes of magic and length"));
}

TEST(Footer, RefusesAFooterBeyondTheLimit) {
  ReaderLimits limits;
  limits.max_footer_bytes = 10;
  StringSource source(GoldenFile());
  EXPECT_EQ(ReadFooter(source, "orders.parquet", limits).status(),
            Status::Corruption("orders.parquet: footer length 68 exceeds the limit of 10 bytes"));
}

TEST(Footer, ReportsMetadataThatFailsToParse) {
  std::string garbage = Bytes({0x15, 0x02, 0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00});
  std::string file = "PAR1" + garbage + Le32(static_cast<uint32_t>(garbage.size())) + "PAR1";
  EXPECT_EQ(FooterStatus(file),
            Status::Corruption("orders.parquet: the footer metadata (10 bytes at 4) is corrupt: "
                               "FileMetaData.schema: list header at byte 3: size 2147483647 "
                               "exceeds the limit of 10000000 elements"));
}

TEST(Footer, RefusesAnEmptySchema) {
  FileMetaData md = GoldenMetadata();
  md.schema.clear();
  md.row_groups.clear();
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: the schema is empty (a root element is required)"));
}

TEST(Footer, RefusesARootThatIsNotAGroup) {
  FileMetaData md = GoldenMetadata();
  md.schema.erase(md.schema.begin());
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: the schema root 'x' is not a group (it has no "
                               "num_children)"));
}

TEST(Footer, RefusesAChildCountBeyondTheSchema) {
  FileMetaData md = GoldenMetadata();
  md.schema[0].num_children = 3;
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: schema element 0 ('schema') declares 3 children, "
                               "but the schema ends after 2 elements"));
}

TEST(Footer, RefusesElementsOutsideTheRootsTree) {
  FileMetaData md = GoldenMetadata();
  md.schema.push_back(md.schema[1]);
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: the schema has 3 elements, but the root's tree "
                               "covers only 2"));
}

TEST(Footer, RefusesANegativeChildCount) {
  FileMetaData md = GoldenMetadata();
  md.schema[0].num_children = -1;
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: schema element 0 ('schema') has num_children -1"));
}

TEST(Footer, RefusesALeafWithoutAType) {
  FileMetaData md = GoldenMetadata();
  md.schema[1].type.reset();
  EXPECT_EQ(
      FooterStatus(FileWith(md)),
      Status::Corruption("orders.parquet: schema element 1 ('x') has neither a type nor children"));
}

TEST(Footer, HandlesADeeplyNestedSchemaWithoutRecursion) {
  FileMetaData md = GoldenMetadata();
  std::vector<SchemaElement> schema;
  for (int i = 0; i < 100'000; ++i) {
    SchemaElement group;
    group.name = "g";
    group.num_children = 1;
    schema.push_back(group);
  }
  schema.push_back(md.schema[1]);
  md.schema = schema;
  Status st = FooterStatus(FileWith(md));
  EXPECT_TRUE(st.ok()) << st;
}

TEST(Footer, RefusesARowGroupWhoseColumnCountDiffersFromTheSchema) {
  FileMetaData md = GoldenMetadata();
  md.row_groups[0].columns.push_back(md.row_groups[0].columns[0]);
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: row group 0 has 2 column chunks, but the schema "
                               "has 1 leaf columns"));
}

TEST(Footer, RefusesAColumnChunkWithoutMetadata) {
  FileMetaData md = GoldenMetadata();
  md.row_groups[0].columns[0].meta_data.reset();
  EXPECT_EQ(
      FooterStatus(FileWith(md)),
      Status::Corruption("orders.parquet: row group 0, column 0 ('x'): meta_data is missing"));
}

TEST(Footer, RefusesAColumnChunkWhoseTypeDiffersFromTheSchema) {
  FileMetaData md = GoldenMetadata();
  md.row_groups[0].columns[0].meta_data->type = Type::kByteArray;
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: row group 0, column 0 ('x'): the column chunk "
                               "has physical type BYTE_ARRAY, but the schema says INT32"));
}

TEST(Footer, RefusesColumnChunkBytesOutsideTheDataRegion) {
  FileMetaData md = GoldenMetadata();
  md.row_groups[0].columns[0].meta_data->total_compressed_size = 22;
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: row group 0, column 0 ('x'): column chunk bytes "
                               "[4, 4 + 22) lie outside the data region [4, 25)"));
  md = GoldenMetadata();
  md.row_groups[0].columns[0].meta_data->data_page_offset = 0;
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: row group 0, column 0 ('x'): column chunk bytes "
                               "[0, 0 + 21) lie outside the data region [4, 25)"));
  md = GoldenMetadata();
  md.row_groups[0].columns[0].meta_data->data_page_offset = INT64_MAX;
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: row group 0, column 0 ('x'): column chunk bytes "
                               "[9223372036854775807, 9223372036854775807 + 21) lie outside the "
                               "data region [4, 25)"));
  md = GoldenMetadata();
  md.row_groups[0].columns[0].meta_data->total_compressed_size = -5;
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: row group 0, column 0 ('x'): column chunk bytes "
                               "[4, 4 + -5) lie outside the data region [4, 25)"));
}

TEST(Footer, StartsAColumnChunkAtItsDictionaryPage) {
  FileMetaData md = GoldenMetadata();
  ColumnMetaData& cm = *md.row_groups[0].columns[0].meta_data;
  cm.dictionary_page_offset = 4;
  cm.data_page_offset = 14;
  cm.total_compressed_size = 21;
  EXPECT_TRUE(FooterStatus(FileWith(md)).ok());
  cm.total_compressed_size = 22;
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: row group 0, column 0 ('x'): column chunk bytes "
                               "[4, 4 + 22) lie outside the data region [4, 25)"));
}

TEST(Footer, RefusesPageIndexBytesOutsideTheDataRegion) {
  FileMetaData md = GoldenMetadata();
  md.row_groups[0].columns[0].offset_index_offset = 10;
  md.row_groups[0].columns[0].offset_index_length = 100;
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: row group 0, column 0 ('x'): offset index bytes "
                               "[10, 10 + 100) lie outside the data region [4, 25)"));
  md = GoldenMetadata();
  md.row_groups[0].columns[0].column_index_offset = 10;
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption("orders.parquet: row group 0, column 0 ('x'): column index bytes "
                               "[10, 10 + -1) lie outside the data region [4, 25)"));
}

TEST(Footer, NamesNestedColumnsByTheirPath) {
  FileMetaData md = GoldenMetadata();
  SchemaElement group;
  group.name = "order";
  group.repetition_type = FieldRepetitionType::kOptional;
  group.num_children = 1;
  md.schema.insert(md.schema.begin() + 1, group);
  md.row_groups[0].columns[0].meta_data.reset();
  EXPECT_EQ(FooterStatus(FileWith(md)),
            Status::Corruption(
                "orders.parquet: row group 0, column 0 ('order.x'): meta_data is missing"));
}

TEST(Footer, RandomByteFlipsNeverCrash) {
  const std::string valid = GoldenFile();
  std::mt19937 rng(7);
  for (int i = 0; i < 1000; ++i) {
    std::string file = valid;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) file[rng() % file.size()] = static_cast<char>(rng() & 0xFF);
    Status st = FooterStatus(file);
    if (!st.ok()) {
      ASSERT_EQ(st.code(), StatusCode::kCorruption) << st;
      ASSERT_EQ(st.message().rfind("orders.parquet: ", 0), 0u) << st;
    }
  }
}

TEST(Footer, EveryTruncationIsRefused) {
  const std::string valid = GoldenFile();
  for (size_t n = 0; n < valid.size(); ++n) {
    Status st = FooterStatus(valid.substr(0, n));
    ASSERT_EQ(st.code(), StatusCode::kCorruption) << n << ": " << st;
  }
}

}  // namespace
}  // namespace sluice::parquet
