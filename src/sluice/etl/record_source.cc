#include "sluice/etl/record_source.h"

#include "sluice/common/json.h"
#include "sluice/etl/batch_ops.h"
#include "sluice/etl/csv_reader.h"
#include "sluice/etl/jsonl_reader.h"
#include "sluice/parquet/file_reader.h"

namespace sluice::etl {
namespace {

class CsvRecordSource final : public RecordSource {
 public:
  CsvRecordSource(std::unique_ptr<CsvReader> reader, CsvDialect dialect)
      : reader_(std::move(reader)), dialect_(std::move(dialect)) {}

  const std::vector<std::string>& columns() const override { return reader_->header(); }

  Result<bool> Next(TextRecord* out) override {
    SLUICE_ASSIGN_OR_RETURN(bool more, reader_->Next(&record_));
    if (!more) return false;
    size_t n = record_.fields.size();
    out->nulls.resize(n);
    for (size_t i = 0; i < n; ++i) {
      out->nulls[i] = IsNull(record_.fields[i], record_.quoted[i] != 0, dialect_) ? 1 : 0;
    }
    // Swapped, not copied: the reader refills its record from scratch on every call.
    out->fields.swap(record_.fields);
    out->line = record_.line;
    if (record_.error) {
      out->error = *record_.error;
    } else {
      out->error.clear();
    }
    return true;
  }

  std::string_view RawText() override { return record_.raw; }
  int64_t bytes_read() const override { return reader_->bytes_read(); }

  bool splittable() const override { return true; }
  Result<bool> NextBlock(size_t target_bytes, RecordBlock* block) override {
    return reader_->NextBlock(target_bytes, block);
  }
  Result<std::unique_ptr<RecordSource>> OpenBlock(RecordBlock block) const override {
    return std::unique_ptr<RecordSource>(
        new CsvRecordSource(reader_->OpenBlock(std::move(block)), dialect_));
  }

 private:
  std::unique_ptr<CsvReader> reader_;
  CsvDialect dialect_;
  CsvRecord record_;
};

class JsonlRecordSource final : public RecordSource {
 public:
  explicit JsonlRecordSource(std::unique_ptr<JsonlReader> reader) : reader_(std::move(reader)) {}

  const std::vector<std::string>& columns() const override { return reader_->columns(); }

  Result<bool> Next(TextRecord* out) override {
    SLUICE_ASSIGN_OR_RETURN(bool more, reader_->Next(&record_));
    if (!more) return false;
    // Swapped, not copied: the reader refills its record from scratch on every call.
    out->fields.swap(record_.fields);
    out->nulls.swap(record_.is_null);
    out->line = record_.line;
    out->error = record_.error;
    return true;
  }

  std::string_view RawText() override { return record_.raw; }
  int64_t bytes_read() const override { return reader_->bytes_read(); }

  bool splittable() const override { return true; }
  Result<bool> NextBlock(size_t target_bytes, RecordBlock* block) override {
    return reader_->NextBlock(target_bytes, block);
  }
  Result<std::unique_ptr<RecordSource>> OpenBlock(RecordBlock block) const override {
    SLUICE_ASSIGN_OR_RETURN(auto reader, reader_->OpenBlock(std::move(block)));
    return std::unique_ptr<RecordSource>(new JsonlRecordSource(std::move(reader)));
  }

 private:
  std::unique_ptr<JsonlReader> reader_;
  JsonlRecord record_;
};

// Parquet rows rendered as text, batch by batch.
class ParquetRecordSource final : public RecordSource {
 public:
  ParquetRecordSource(std::unique_ptr<parquet::FileReader> reader,
                      std::unique_ptr<parquet::BatchIterator> batches)
      : reader_(std::move(reader)), batches_(std::move(batches)) {
    for (const parquet::Field& f : reader_->schema().fields) columns_.push_back(f.name);
  }

  const std::vector<std::string>& columns() const override { return columns_; }

  Result<bool> Next(TextRecord* out) override {
    while (!batch_ || row_ >= batch_->num_rows) {
      SLUICE_ASSIGN_OR_RETURN(batch_, batches_->Next());
      if (!batch_) return false;
      row_ = 0;
    }
    size_t n = batch_->columns.size();
    texts_.resize(n);
    out->fields.resize(n);
    out->nulls.resize(n);
    for (size_t c = 0; c < n; ++c) {
      const parquet::ColumnVector& col = batch_->columns[c];
      bool null = col.IsNull(row_);
      out->nulls[c] = null ? 1 : 0;
      texts_[c] = null ? std::string() : ValueToText(col, row_);
      out->fields[c] = texts_[c];
    }
    out->line = ++rows_;
    out->error.clear();
    current_ = row_++;
    return true;
  }

  std::string_view RawText() override {
    common::json::object row;
    for (size_t c = 0; c < columns_.size(); ++c) {
      const parquet::ColumnVector& col = batch_->columns[c];
      if (col.IsNull(current_)) {
        row[columns_[c]] = nullptr;
      } else {
        row[columns_[c]] = ValueToText(col, current_);
      }
    }
    raw_ = common::SerializeJson(row);
    return raw_;
  }

  int64_t bytes_read() const override { return reader_->stats().bytes_read; }

 private:
  std::unique_ptr<parquet::FileReader> reader_;
  std::unique_ptr<parquet::BatchIterator> batches_;
  std::vector<std::string> columns_;
  std::optional<parquet::RecordBatch> batch_;
  int64_t row_ = 0;
  int64_t current_ = 0;
  int64_t rows_ = 0;
  std::vector<std::string> texts_;
  std::string raw_;
};

}  // namespace

Result<bool> RecordSource::NextBlock(size_t, RecordBlock*) {
  return Status::Internal("this source cannot be cut into blocks");
}

Result<std::unique_ptr<RecordSource>> RecordSource::OpenBlock(RecordBlock) const {
  return Status::Internal("this source cannot be cut into blocks");
}

Result<std::unique_ptr<RecordSource>> OpenRecordSource(const JobSpec& spec,
                                                       std::unique_ptr<common::InputStream> raw,
                                                       const std::vector<std::string>& columns,
                                                       const std::string& name) {
  switch (spec.format) {
    case SourceFormat::kCsv: {
      SLUICE_ASSIGN_OR_RETURN(auto reader, CsvReader::Open(std::move(raw), spec.csv, name));
      return std::unique_ptr<RecordSource>(new CsvRecordSource(std::move(reader), spec.csv));
    }
    case SourceFormat::kJsonl: {
      JsonlOptions options;
      options.paths = columns;
      SLUICE_ASSIGN_OR_RETURN(auto reader, JsonlReader::Open(std::move(raw), options, name));
      return std::unique_ptr<RecordSource>(new JsonlRecordSource(std::move(reader)));
    }
    case SourceFormat::kParquet:
      return Status::InvalidArgument(name + ": Parquet sources are opened by path");
  }
  return Status::Internal("unknown source format");
}

Result<std::unique_ptr<RecordSource>> OpenParquetRecordSource(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, parquet::FileReader::OpenFile(path));
  parquet::ReadOptions options;
  options.batch_rows = 8192;
  SLUICE_ASSIGN_OR_RETURN(auto batches, reader->Scan(options));
  return std::unique_ptr<RecordSource>(
      new ParquetRecordSource(std::move(reader), std::move(batches)));
}

}  // namespace sluice::etl
