#include "sluice/parquet/file_writer.h"

#include <algorithm>
#include <utility>

#include "sluice/parquet/column_writer_internal.h"
#include "sluice/parquet/file_footer.h"
#include "sluice/parquet/schema_convert.h"

namespace sluice::parquet {

namespace {

// Rows shredded at a time: bounds the level buffers and lets row groups end near their
// byte limit.
constexpr int64_t kSliceRows = 64 * 1024;

Status CheckPositive(int64_t value, const char* name) {
  if (value <= 0) {
    return Status::InvalidArgument(std::string("Parquet writer option ") + name +
                                   " must be positive, got " + std::to_string(value));
  }
  return Status::OK();
}

}  // namespace

FileWriter::FileWriter(common::OutputStream* out, Schema schema, WriterOptions options)
    : out_(out),
      schema_(std::move(schema)),
      options_(std::move(options)),
      levels_(std::make_unique<LeafLevels>()) {}

FileWriter::~FileWriter() = default;

Result<std::unique_ptr<FileWriter>> FileWriter::Open(common::OutputStream* out, Schema schema,
                                                     WriterOptions options) {
  SLUICE_RETURN_IF_ERROR(CheckPositive(options.row_group_rows, "row_group_rows"));
  SLUICE_RETURN_IF_ERROR(CheckPositive(options.row_group_bytes, "row_group_bytes"));
  SLUICE_RETURN_IF_ERROR(CheckPositive(options.page_bytes, "page_bytes"));
  SLUICE_RETURN_IF_ERROR(CheckPositive(options.page_rows, "page_rows"));
  if (options.page_rows > INT32_MAX) {
    return Status::InvalidArgument("Parquet writer option page_rows must be at most 2^31 - 1");
  }
  if (options.dictionary_page_limit < 0) {
    return Status::InvalidArgument("Parquet writer option dictionary_page_limit must not be negative");
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<SchemaElement> elements, ToParquetSchema(schema));
  std::unique_ptr<FileWriter> w(new FileWriter(out, std::move(schema), std::move(options)));
  w->leaves_ = BuildLeafColumns(w->schema_, elements);
  for (const LeafColumn& leaf : w->leaves_) {
    SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<ColumnChunkWriter> column,
                            ColumnChunkWriter::Make(leaf, w->options_));
    w->columns_.push_back(std::move(column));
  }
  w->metadata_.schema = std::move(elements);
  SLUICE_RETURN_IF_ERROR(w->Emit(kParquetMagic));
  return w;
}

Status FileWriter::Emit(std::string_view bytes) {
  Status st = out_->Write(bytes);
  if (!st.ok()) {
    failed_ = true;
    return st;
  }
  position_ += static_cast<int64_t>(bytes.size());
  return Status::OK();
}

Status FileWriter::Write(const RecordBatch& batch) {
  if (closed_) return Status::FailedPrecondition("Parquet writer: Write after Close");
  if (failed_) return Status::FailedPrecondition("Parquet writer: Write after a failed write");
  if (!(batch.schema == schema_)) {
    return Status::InvalidArgument("Parquet writer: the batch's schema\n" + batch.schema.ToString() +
                                   "differs from the file's schema\n" + schema_.ToString());
  }
  SLUICE_RETURN_IF_ERROR(batch.Validate());
  int64_t begin = 0;
  while (begin < batch.num_rows) {
    const int64_t n = std::min({batch.num_rows - begin, kSliceRows,
                                options_.row_group_rows - row_group_rows_});
    Status st = WriteSlice(batch, begin, begin + n);
    if (!st.ok()) {
      failed_ = true;
      return st;
    }
    begin += n;
  }
  return Status::OK();
}

Status FileWriter::WriteSlice(const RecordBatch& batch, int64_t begin, int64_t end) {
  const int64_t n = end - begin;
  for (size_t i = 0; i < leaves_.size(); ++i) {
    const LeafColumn& leaf = leaves_[i];
    const ColumnVector& top = batch.columns[static_cast<size_t>(leaf.field_index)];
    LeafSlice slice;
    slice.num_rows = n;
    if (leaf.is_flat()) {
      slice.leaf = &top;
      slice.num_levels = n;
      slice.first_slot = begin;
      if (leaf.max_def > 0 && !top.validity.empty()) {
        const uint8_t* valid = top.validity.data() + begin;
        if (std::find(valid, valid + n, 0) != valid + n) {
          flat_def_.resize(static_cast<size_t>(n));
          flat_slots_.clear();
          for (int64_t r = 0; r < n; ++r) {
            flat_def_[r] = valid[r] ? 1 : 0;
            if (valid[r]) flat_slots_.push_back(begin + r);
          }
          slice.def = flat_def_.data();
          slice.slots = flat_slots_.data();
          slice.first_slot = 0;
        }
      }
    } else {
      ComputeLevels(leaf, top, begin, end, levels_.get());
      slice.leaf = levels_->leaf;
      slice.num_levels = static_cast<int64_t>(levels_->def.size());
      slice.def = leaf.max_def > 0 ? levels_->def.data() : nullptr;
      slice.rep = leaf.max_rep > 0 ? levels_->rep.data() : nullptr;
      slice.slots = levels_->slots.data();
    }
    SLUICE_RETURN_IF_ERROR(columns_[i]->Write(slice));
  }
  row_group_rows_ += n;
  rows_written_ += n;
  int64_t bytes = 0;
  for (const auto& c : columns_) bytes += c->EstimatedBytes();
  if (row_group_rows_ >= options_.row_group_rows || bytes >= options_.row_group_bytes) {
    return FlushRowGroup();
  }
  return Status::OK();
}

Status FileWriter::FlushRowGroup() {
  if (row_group_rows_ == 0) return Status::OK();
  RowGroup rg;
  rg.num_rows = row_group_rows_;
  rg.file_offset = position_;
  rg.ordinal = static_cast<int16_t>(metadata_.row_groups.size());
  int64_t compressed = 0;
  std::vector<std::optional<ColumnIndex>> column_indexes;
  std::vector<OffsetIndex> offset_indexes;
  FinishedChunk finished;
  for (auto& column : columns_) {
    chunk_buf_.clear();
    SLUICE_RETURN_IF_ERROR(column->Finish(position_, &chunk_buf_, &finished));
    SLUICE_RETURN_IF_ERROR(Emit(chunk_buf_));
    rg.total_byte_size += finished.chunk.meta_data->total_uncompressed_size;
    compressed += finished.chunk.meta_data->total_compressed_size;
    rg.columns.push_back(std::move(finished.chunk));
    column_indexes.push_back(std::move(finished.column_index));
    offset_indexes.push_back(std::move(finished.offset_index));
  }
  rg.total_compressed_size = compressed;
  metadata_.row_groups.push_back(std::move(rg));
  column_indexes_.push_back(std::move(column_indexes));
  offset_indexes_.push_back(std::move(offset_indexes));
  row_group_rows_ = 0;
  return Status::OK();
}

Status FileWriter::Close() {
  if (closed_) return Status::FailedPrecondition("Parquet writer: Close called twice");
  if (failed_) return Status::FailedPrecondition("Parquet writer: Close after a failed write");
  closed_ = true;
  SLUICE_RETURN_IF_ERROR(FlushRowGroup());
  if (options_.page_index) {
    // All column indexes, then all offset indexes, as parquet-mr and Arrow lay them out.
    for (size_t g = 0; g < column_indexes_.size(); ++g) {
      for (size_t c = 0; c < column_indexes_[g].size(); ++c) {
        if (!column_indexes_[g][c]) continue;
        const std::string bytes = SerializeColumnIndex(*column_indexes_[g][c]);
        ColumnChunk& chunk = metadata_.row_groups[g].columns[c];
        chunk.column_index_offset = position_;
        chunk.column_index_length = static_cast<int32_t>(bytes.size());
        SLUICE_RETURN_IF_ERROR(Emit(bytes));
      }
    }
    for (size_t g = 0; g < offset_indexes_.size(); ++g) {
      for (size_t c = 0; c < offset_indexes_[g].size(); ++c) {
        const std::string bytes = SerializeOffsetIndex(offset_indexes_[g][c]);
        ColumnChunk& chunk = metadata_.row_groups[g].columns[c];
        chunk.offset_index_offset = position_;
        chunk.offset_index_length = static_cast<int32_t>(bytes.size());
        SLUICE_RETURN_IF_ERROR(Emit(bytes));
      }
    }
  }
  column_indexes_.clear();
  offset_indexes_.clear();
  metadata_.version = options_.data_page_v2 ? 2 : 1;
  metadata_.num_rows = rows_written_;
  if (!options_.key_value_metadata.empty()) {
    std::vector<KeyValue> kvs;
    for (const auto& [key, value] : options_.key_value_metadata) kvs.push_back(KeyValue{key, value});
    metadata_.key_value_metadata = std::move(kvs);
  }
  metadata_.created_by = options_.created_by;
  metadata_.column_orders =
      std::vector<ColumnOrder>(leaves_.size(), ColumnOrder::kTypeDefinedOrder);
  SLUICE_RETURN_IF_ERROR(Emit(SerializeFooter(metadata_)));
  Status st = out_->Close();
  if (!st.ok()) failed_ = true;
  return st;
}

}  // namespace sluice::parquet
