#include "sluice/cli/parquet_commands.h"

#include <cstring>

#include "sluice/cli/table_import.h"
#include "sluice/common/hash.h"
#include "sluice/common/io.h"
#include "sluice/common/json.h"
#include "sluice/parquet/compression.h"
#include "sluice/parquet/file_reader.h"
#include "sluice/parquet/file_writer.h"
#include "sluice/parquet/json_rows.h"

namespace sluice::cli {
namespace {

namespace json = boost::json;
using parquet::Encoding;
using parquet::Type;


bool IsUtf8Printable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20) return false;
  }
  return true;
}

// A statistics bound in the column's physical type: numbers decoded, text as text, other
// bytes as hex.
json::value StatValue(Type type, const std::string& raw) {
  auto little = [&](size_t n, auto* v) {
    if (raw.size() != n) return false;
    std::memcpy(v, raw.data(), n);
    return true;
  };
  int32_t i32;
  int64_t i64;
  float f;
  double d;
  switch (type) {
    case Type::kBoolean: return raw.size() == 1 ? json::value(raw[0] != 0) : json::value(nullptr);
    case Type::kInt32: return little(4, &i32) ? json::value(i32) : json::value(nullptr);
    case Type::kInt64: return little(8, &i64) ? json::value(i64) : json::value(nullptr);
    case Type::kFloat: return little(4, &f) ? json::value(static_cast<double>(f)) : json::value(nullptr);
    case Type::kDouble: return little(8, &d) ? json::value(d) : json::value(nullptr);
    default:
      if (IsUtf8Printable(raw)) return json::value(raw);
      return json::value("0x" + common::HexEncode(raw));
  }
}

Result<std::unique_ptr<parquet::FileReader>> Open(const std::string& path) {
  return parquet::FileReader::OpenFile(path);
}

}  // namespace

int ParquetSchema(const std::string& path, std::ostream& out, std::ostream& err) {
  auto reader = Open(path);
  if (!reader.ok()) {
    err << "sluice parquet schema: " << reader.status().ToString() << "\n";
    return 1;
  }
  out << (*reader)->schema().ToString();
  return 0;
}

int ParquetMeta(const std::string& path, std::ostream& out, std::ostream& err) {
  auto reader = Open(path);
  if (!reader.ok()) {
    err << "sluice parquet meta: " << reader.status().ToString() << "\n";
    return 1;
  }
  const parquet::FileMetaData& m = (*reader)->metadata();
  json::object o;
  o["file"] = path;
  o["num_rows"] = m.num_rows;
  o["created_by"] = m.created_by ? json::value(*m.created_by) : json::value(nullptr);
  json::array schema;
  for (const parquet::Field& f : (*reader)->schema().fields) {
    schema.push_back(json::object{{"name", f.name}, {"type", f.type.ToString()}, {"nullable", f.nullable}});
  }
  o["schema"] = std::move(schema);
  json::object kv;
  if (m.key_value_metadata) {
    for (const auto& e : *m.key_value_metadata) kv[e.key] = e.value ? json::value(*e.value) : json::value(nullptr);
  }
  o["key_value_metadata"] = std::move(kv);
  json::array groups;
  for (const parquet::RowGroup& g : m.row_groups) {
    json::array columns;
    for (const parquet::ColumnChunk& c : g.columns) {
      if (!c.meta_data) continue;
      const parquet::ColumnMetaData& cm = *c.meta_data;
      std::string column_path;
      for (const std::string& p : cm.path_in_schema) column_path += (column_path.empty() ? "" : ".") + p;
      json::array encodings;
      for (Encoding e : cm.encodings) encodings.push_back(json::value(parquet::ParquetEncodingName(e)));
      json::object col{{"path", column_path},
                       {"type", parquet::ParquetTypeName(cm.type)},
                       {"codec", parquet::CompressionCodecName(cm.codec)},
                       {"encodings", std::move(encodings)},
                       {"num_values", cm.num_values},
                       {"compressed_bytes", cm.total_compressed_size},
                       {"uncompressed_bytes", cm.total_uncompressed_size}};
      if (cm.statistics) {
        const parquet::Statistics& s = *cm.statistics;
        json::object st;
        if (s.null_count) st["null_count"] = *s.null_count;
        if (s.min_value) st["min"] = StatValue(cm.type, *s.min_value);
        if (s.max_value) st["max"] = StatValue(cm.type, *s.max_value);
        col["statistics"] = std::move(st);
      }
      col["page_index"] = c.column_index_offset.has_value() && c.offset_index_offset.has_value();
      columns.push_back(std::move(col));
    }
    groups.push_back(json::object{{"num_rows", g.num_rows}, {"total_byte_size", g.total_byte_size},
                                  {"columns", std::move(columns)}});
  }
  o["row_groups"] = std::move(groups);
  out << common::SerializeJsonPretty(o) << "\n";
  return 0;
}

int ParquetRows(const std::string& path, int64_t limit, const std::vector<std::string>& columns, std::ostream& out,
                std::ostream& err) {
  auto reader = Open(path);
  if (!reader.ok()) {
    err << "sluice parquet: " << reader.status().ToString() << "\n";
    return 1;
  }
  parquet::ReadOptions options;
  options.columns = columns;
  auto scan = (*reader)->Scan(options);
  if (!scan.ok()) {
    err << "sluice parquet: " << scan.status().ToString() << "\n";
    return scan.status().code() == StatusCode::kInvalidArgument ? 2 : 1;
  }
  int64_t printed = 0;
  while (limit < 0 || printed < limit) {
    auto batch = (*scan)->Next();
    if (!batch.ok()) {
      err << "sluice parquet: " << batch.status().ToString() << "\n";
      return 1;
    }
    if (!batch->has_value()) break;
    for (int64_t r = 0; r < (*batch)->num_rows && (limit < 0 || printed < limit); ++r, ++printed) {
      out << common::SerializeJson(parquet::RowToJson(**batch, r)) << "\n";
    }
  }
  return 0;
}

int ParquetConvert(const ConvertOptions& o, std::ostream& out, std::ostream& err) {
  auto fail = [&](const Status& st, int code) {
    err << "sluice parquet convert: " << st.ToString() << "\n";
    return code;
  };
  std::optional<parquet::Schema> schema;
  if (!o.schema.empty()) {
    auto s = ParseSchemaSpec(o.schema);
    if (!s.ok()) return fail(s.status(), 2);
    schema = std::move(*s);
  }
  parquet::CompressionCodec codec;
  if (o.codec == "zstd") {
    codec = parquet::CompressionCodec::kZstd;
  } else if (o.codec == "snappy") {
    codec = parquet::CompressionCodec::kSnappy;
  } else if (o.codec == "gzip") {
    codec = parquet::CompressionCodec::kGzip;
  } else if (o.codec == "none") {
    codec = parquet::CompressionCodec::kUncompressed;
  } else {
    return fail(Status::InvalidArgument("--codec must be zstd, snappy, gzip or none, got '" + o.codec + "'"), 2);
  }
  auto ends_with = [&](std::string_view suffix) {
    return o.input.size() >= suffix.size() && o.input.compare(o.input.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const parquet::Schema* given = schema ? &*schema : nullptr;
  Result<parquet::RecordBatch> batch = Status::InvalidArgument(o.input + ": expected a .csv, .jsonl or .ndjson file");
  if (ends_with(".csv")) {
    batch = ReadCsvFile(o.input, given);
  } else if (ends_with(".jsonl") || ends_with(".ndjson")) {
    batch = ReadJsonLinesFile(o.input, given);
  }
  if (!batch.ok()) return fail(batch.status(), 1);
  auto file = common::AtomicFileOutputStream::Open(o.output, /*durable=*/true);
  if (!file.ok()) return fail(file.status(), 1);
  parquet::WriterOptions wo;
  wo.codec = codec;
  wo.row_group_rows = o.row_group_rows;
  auto writer = parquet::FileWriter::Open(file->get(), batch->schema, wo);
  if (!writer.ok()) return fail(writer.status(), 1);
  Status st = (*writer)->Write(*batch);
  if (st.ok()) st = (*writer)->Close();
  if (!st.ok()) return fail(st, 1);
  out << "convert: " << o.input << " to " << o.output << " (" << batch->num_rows << " rows, "
      << batch->schema.fields.size() << " columns)\n";
  return 0;
}

}  // namespace sluice::cli
