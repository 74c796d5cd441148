#include "sluice/parquet/file_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "sluice/parquet/column_reader_internal.h"

namespace sluice::parquet {

namespace {

using internal::LeafInfo;
using internal::LogicalNode;
using StatValue = std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string>;

// Counts the bytes read through it.
class CountingSource final : public RandomAccessSource {
 public:
  explicit CountingSource(std::unique_ptr<RandomAccessSource> source)
      : source_(std::move(source)) {}
  Result<uint64_t> Size() override { return source_->Size(); }
  Status ReadAt(uint64_t offset, size_t length, std::string* out) override {
    SLUICE_RETURN_IF_ERROR(source_->ReadAt(offset, length, out));
    *counter_ += static_cast<int64_t>(length);
    return Status::OK();
  }
  void set_counter(int64_t* counter) { counter_ = counter; }
  int64_t own_count() const { return own_count_; }

 private:
  std::unique_ptr<RandomAccessSource> source_;
  int64_t own_count_ = 0;
  int64_t* counter_ = &own_count_;
};

// A min/max statistic decoded for comparison; monostate when unusable.
StatValue DecodeStat(const std::string& b, Type physical, const DataType& type) {
  auto load = [&](auto zero) -> std::optional<decltype(zero)> {
    if (b.size() != sizeof(zero)) return std::nullopt;
    std::memcpy(&zero, b.data(), sizeof(zero));
    return zero;
  };
  const bool is_unsigned = type.kind == TypeKind::kUInt8 || type.kind == TypeKind::kUInt16 ||
                           type.kind == TypeKind::kUInt32 || type.kind == TypeKind::kUInt64;
  switch (physical) {
    case Type::kBoolean:
      if (b.size() == 1) return b[0] != 0;
      return {};
    case Type::kInt32: {
      auto v = load(int32_t{0});
      if (!v) return {};
      if (is_unsigned) return uint64_t{static_cast<uint32_t>(*v)};
      return int64_t{*v};
    }
    case Type::kInt64: {
      auto v = load(int64_t{0});
      if (!v) return {};
      if (is_unsigned) return static_cast<uint64_t>(*v);
      return *v;
    }
    case Type::kFloat: {
      auto v = load(float{0});
      if (!v || std::isnan(*v)) return {};
      return double{*v};
    }
    case Type::kDouble: {
      auto v = load(double{0});
      if (!v || std::isnan(*v)) return {};
      return *v;
    }
    case Type::kByteArray:
    case Type::kFixedLenByteArray:
      if (type.kind == TypeKind::kDecimal) return {};
      return b;
    default:
      return {};
  }
}

// Whether the legacy min/max fields (signed comparison) order this column correctly.
bool LegacyStatsUsable(Type physical, const DataType& type) {
  switch (physical) {
    case Type::kBoolean:
    case Type::kFloat:
    case Type::kDouble:
      return true;
    case Type::kInt32:
    case Type::kInt64:
      return type.kind != TypeKind::kUInt8 && type.kind != TypeKind::kUInt16 &&
             type.kind != TypeKind::kUInt32 && type.kind != TypeKind::kUInt64;
    default:
      return false;
  }
}

std::vector<std::pair<int64_t, int64_t>> Intersect(
    const std::vector<std::pair<int64_t, int64_t>>& a,
    const std::vector<std::pair<int64_t, int64_t>>& b) {
  std::vector<std::pair<int64_t, int64_t>> out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const int64_t lo = std::max(a[i].first, b[j].first);
    const int64_t hi = std::min(a[i].second, b[j].second);
    if (lo < hi) out.emplace_back(lo, hi);
    if (a[i].second < b[j].second) {
      ++i;
    } else {
      ++j;
    }
  }
  return out;
}

}  // namespace

FileReader::FileReader(std::unique_ptr<RandomAccessSource> source, std::string file_name,
                       FileMetaData metadata, std::unique_ptr<internal::ReaderSchema> schema)
    : source_(std::move(source)),
      file_name_(std::move(file_name)),
      metadata_(std::move(metadata)),
      schema_(std::move(schema)) {}

FileReader::~FileReader() = default;

Result<std::unique_ptr<FileReader>> FileReader::Open(std::unique_ptr<RandomAccessSource> source,
                                                     std::string file_name) {
  auto counting = std::make_unique<CountingSource>(std::move(source));
  SLUICE_ASSIGN_OR_RETURN(FileMetaData metadata, ReadFooter(*counting, file_name));
  SLUICE_ASSIGN_OR_RETURN(auto schema, internal::BuildReaderSchema(metadata.schema, file_name));
  int64_t total = 0;
  for (const RowGroup& group : metadata.row_groups) total += group.num_rows;
  if (total != metadata.num_rows) {
    return Status::Corruption(file_name + ": the row groups hold " + std::to_string(total) +
                              " rows, the footer says " + std::to_string(metadata.num_rows));
  }
  CountingSource* raw = counting.get();
  const int64_t footer_bytes = raw->own_count();
  std::unique_ptr<FileReader> reader(new FileReader(std::move(counting), std::move(file_name),
                                                    std::move(metadata), std::move(schema)));
  reader->stats_.bytes_read = footer_bytes;
  raw->set_counter(&reader->stats_.bytes_read);
  return reader;
}

Result<std::unique_ptr<FileReader>> FileReader::OpenFile(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(auto source, FileSource::Open(path));
  return Open(std::move(source), path);
}

const Schema& FileReader::schema() const { return schema_->schema; }

Status FileReader::ReadAt(uint64_t offset, size_t length, std::string* out) {
  Status st = source_->ReadAt(offset, length, out);
  if (!st.ok()) return st.WithContext(file_name_);
  return st;
}

Result<std::vector<int>> FileReader::ResolveColumns(const std::vector<std::string>& columns) const {
  std::vector<int> fields;
  if (columns.empty()) {
    for (size_t i = 0; i < schema_->fields.size(); ++i) fields.push_back(static_cast<int>(i));
    return fields;
  }
  for (const std::string& name : columns) {
    const int index = schema_->schema.IndexOf(name);
    if (index < 0) {
      return Status::InvalidArgument(file_name_ + ": no column named '" + name + "'");
    }
    fields.push_back(index);
  }
  return fields;
}

Result<RecordBatch> FileReader::ReadRowGroup(int index, const std::vector<std::string>& columns) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<int> fields, ResolveColumns(columns));
  return ReadRowGroupRanges(index, fields, nullptr);
}

Result<RecordBatch> FileReader::ReadRowGroupRanges(
    int index, const std::vector<int>& fields,
    const std::vector<std::pair<int64_t, int64_t>>* ranges) {
  if (index < 0 || index >= num_row_groups()) {
    return Status::InvalidArgument(file_name_ + ": row group " + std::to_string(index) +
                                   " does not exist (the file has " +
                                   std::to_string(num_row_groups()) + ")");
  }
  const RowGroup& group = metadata_.row_groups[static_cast<size_t>(index)];
  std::vector<internal::RowRange> row_ranges;
  int64_t num_rows = group.num_rows;
  if (ranges != nullptr) {
    num_rows = 0;
    for (const auto& [b, e] : *ranges) {
      row_ranges.push_back({b, e});
      num_rows += e - b;
    }
  }
  RecordBatch batch;
  batch.num_rows = num_rows;
  internal::LeafData data;
  internal::DecodeStats decode_stats;
  std::vector<ColumnVector*> vectors;
  for (int f : fields) {
    const LogicalNode& top = schema_->fields[static_cast<size_t>(f)];
    batch.schema.fields.push_back(top.field);
    batch.columns.push_back(internal::MakeEmptyColumn(top.field.type));
    ColumnVector& column = batch.columns.back();
    for (int l = top.first_leaf; l < top.end_leaf; ++l) {
      const LeafInfo& leaf = schema_->leaves[static_cast<size_t>(l)];
      const ColumnChunk& chunk = group.columns[static_cast<size_t>(l)];
      const ColumnMetaData& md = *chunk.meta_data;
      auto context = [&](const Status& st) {
        return st.WithContext(file_name_ + ": row group " + std::to_string(index) + ", column '" +
                              leaf.path + "'");
      };
      int64_t start = md.data_page_offset;
      if (md.dictionary_page_offset.has_value() && *md.dictionary_page_offset > 0 &&
          *md.dictionary_page_offset < start) {
        start = *md.dictionary_page_offset;
      }
      std::vector<PageLocation> pages;
      bool use_pages = false;
      if (ranges != nullptr && chunk.offset_index_offset.has_value() &&
          chunk.offset_index_length.has_value()) {
        std::string bytes;
        SLUICE_RETURN_IF_ERROR(ReadAt(static_cast<uint64_t>(*chunk.offset_index_offset),
                                      static_cast<size_t>(*chunk.offset_index_length), &bytes));
        auto parsed = ParseOffsetIndex(bytes);
        if (!parsed.ok()) return context(parsed.status().WithContext("offset index"));
        pages = std::move(parsed->page_locations);
        for (PageLocation& p : pages) p.offset -= start;
        use_pages = true;
      }
      SLUICE_RETURN_IF_ERROR(ReadAt(static_cast<uint64_t>(start),
                                    static_cast<size_t>(md.total_compressed_size),
                                    &chunk_buffer_));
      internal::ColumnChunkDecoder decoder(*leaf.node,
                                           metadata_.schema[static_cast<size_t>(leaf.node->element)]);
      Status st = decoder.Decode(chunk_buffer_, md.codec, md.num_values, group.num_rows,
                                 use_pages ? &pages : nullptr, use_pages ? &row_ranges : nullptr,
                                 &data, &decode_stats);
      if (!st.ok()) return context(st);
      if (ranges != nullptr && !use_pages) internal::KeepRows(row_ranges, leaf.node->max_def, &data);
      vectors.assign(1, &column);
      for (size_t k = 1; k < leaf.ancestry.size(); ++k) {
        const LogicalNode* parent = leaf.ancestry[k - 1];
        const auto child = static_cast<size_t>(leaf.ancestry[k] - parent->children.data());
        vectors.push_back(&vectors.back()->children[child]);
      }
      st = internal::AssembleLeaf(data, leaf, l, vectors);
      if (!st.ok()) return context(st);
    }
    internal::DropAllValidValidity(&column);
    if (column.length != num_rows) {
      return Status::Corruption(file_name_ + ": row group " + std::to_string(index) +
                                ", column '" + top.field.name + "' holds " +
                                std::to_string(column.length) + " rows, the row group has " +
                                std::to_string(num_rows));
    }
  }
  stats_.pages_decompressed += decode_stats.pages_decompressed;
  stats_.pages_skipped += decode_stats.pages_skipped;
  return batch;
}

namespace {

// The leaf a predicate's column names (a top-level primitive or a path of struct fields),
// or -1 when it names something else in the schema (a list, a struct) that never prunes.
Result<int> ResolvePredicateLeaf(const internal::ReaderSchema& schema, const Predicate& p,
                                 std::string_view file_name) {
  for (size_t l = 0; l < schema.leaves.size(); ++l) {
    const LeafInfo& leaf = schema.leaves[l];
    std::string path;
    bool through_list = false;
    for (const LogicalNode* node : leaf.ancestry) {
      if (node->kind == LogicalNode::Kind::kList) through_list = true;
      path += (path.empty() ? "" : ".") + node->field.name;
    }
    if (!through_list && path == p.column) return static_cast<int>(l);
  }
  const std::string top = p.column.substr(0, p.column.find('.'));
  if (schema.schema.IndexOf(top) >= 0) return -1;
  return Status::InvalidArgument(std::string(file_name) + ": predicate '" + p.ToString() +
                                 "' names no column of the file");
}

}  // namespace

Result<std::vector<int>> FileReader::PruneRowGroups(
    const std::vector<Predicate>& predicates) const {
  std::vector<int> leaves;
  for (const Predicate& p : predicates) {
    SLUICE_ASSIGN_OR_RETURN(int leaf, ResolvePredicateLeaf(*schema_, p, file_name_));
    leaves.push_back(leaf);
  }
  std::vector<int> out;
  for (int g = 0; g < num_row_groups(); ++g) {
    const RowGroup& group = metadata_.row_groups[static_cast<size_t>(g)];
    bool may_match = true;
    for (size_t i = 0; i < predicates.size() && may_match; ++i) {
      if (leaves[i] < 0) continue;
      const auto l = static_cast<size_t>(leaves[i]);
      const ColumnMetaData& md = *group.columns[l].meta_data;
      if (!md.statistics.has_value()) continue;
      if (metadata_.column_orders.has_value() && l < metadata_.column_orders->size() &&
          (*metadata_.column_orders)[l] != ColumnOrder::kTypeDefinedOrder) {
        continue;
      }
      const Statistics& s = *md.statistics;
      const DataType& type = schema_->leaves[l].node->field.type;
      ColumnStatsView view;
      if (s.min_value && s.max_value) {
        view.min = DecodeStat(*s.min_value, md.type, type);
        view.max = DecodeStat(*s.max_value, md.type, type);
      } else if (s.min && s.max && LegacyStatsUsable(md.type, type)) {
        view.min = DecodeStat(*s.min, md.type, type);
        view.max = DecodeStat(*s.max, md.type, type);
      }
      if (s.null_count.has_value()) {
        view.has_null_count = true;
        view.null_count = *s.null_count;
      }
      view.num_values = md.num_values;
      may_match = MayMatch(predicates[i], view);
    }
    if (may_match) out.push_back(g);
  }
  return out;
}

Result<std::vector<std::pair<int64_t, int64_t>>> FileReader::PrunePages(
    int index, const std::vector<Predicate>& predicates) {
  if (index < 0 || index >= num_row_groups()) {
    return Status::InvalidArgument(file_name_ + ": row group " + std::to_string(index) +
                                   " does not exist");
  }
  const RowGroup& group = metadata_.row_groups[static_cast<size_t>(index)];
  std::vector<std::pair<int64_t, int64_t>> selected = {{0, group.num_rows}};
  if (group.num_rows == 0) return std::vector<std::pair<int64_t, int64_t>>{};
  for (const Predicate& p : predicates) {
    SLUICE_ASSIGN_OR_RETURN(int leaf, ResolvePredicateLeaf(*schema_, p, file_name_));
    if (leaf < 0) continue;
    const ColumnChunk& chunk = group.columns[static_cast<size_t>(leaf)];
    if (!chunk.column_index_offset || !chunk.column_index_length || !chunk.offset_index_offset ||
        !chunk.offset_index_length) {
      continue;
    }
    if (metadata_.column_orders.has_value() &&
        static_cast<size_t>(leaf) < metadata_.column_orders->size() &&
        (*metadata_.column_orders)[static_cast<size_t>(leaf)] != ColumnOrder::kTypeDefinedOrder) {
      continue;
    }
    const LeafInfo& info = schema_->leaves[static_cast<size_t>(leaf)];
    auto context = [&](const Status& st) {
      return st.WithContext(file_name_ + ": row group " + std::to_string(index) + ", column '" +
                            info.path + "'");
    };
    std::string bytes;
    SLUICE_RETURN_IF_ERROR(ReadAt(static_cast<uint64_t>(*chunk.offset_index_offset),
                                  static_cast<size_t>(*chunk.offset_index_length), &bytes));
    auto offsets = ParseOffsetIndex(bytes);
    if (!offsets.ok()) return context(offsets.status().WithContext("offset index"));
    SLUICE_RETURN_IF_ERROR(ReadAt(static_cast<uint64_t>(*chunk.column_index_offset),
                                  static_cast<size_t>(*chunk.column_index_length), &bytes));
    auto columns = ParseColumnIndex(bytes);
    if (!columns.ok()) return context(columns.status().WithContext("column index"));
    const auto& locations = offsets->page_locations;
    const size_t n = locations.size();
    if (columns->null_pages.size() != n || columns->min_values.size() != n ||
        columns->max_values.size() != n ||
        (columns->null_counts.has_value() && columns->null_counts->size() != n)) {
      return context(Status::Corruption("the column index and offset index disagree on the "
                                        "number of pages"));
    }
    const Type physical = *metadata_.schema[static_cast<size_t>(info.node->element)].type;
    std::vector<std::pair<int64_t, int64_t>> keep;
    for (size_t i = 0; i < n; ++i) {
      const int64_t first = locations[i].first_row_index;
      const int64_t end = i + 1 < n ? locations[i + 1].first_row_index : group.num_rows;
      if (first < 0 || end < first || end > group.num_rows) {
        return context(Status::Corruption("offset index entry " + std::to_string(i) +
                                          " has rows outside the row group"));
      }
      ColumnStatsView view;
      view.all_null = columns->null_pages[i];
      if (!view.all_null) {
        view.min = DecodeStat(columns->min_values[i], physical, info.node->field.type);
        view.max = DecodeStat(columns->max_values[i], physical, info.node->field.type);
      }
      if (columns->null_counts.has_value()) {
        view.has_null_count = true;
        view.null_count = (*columns->null_counts)[i];
      }
      if (MayMatch(p, view) && first < end) {
        if (!keep.empty() && keep.back().second == first) {
          keep.back().second = end;
        } else {
          keep.emplace_back(first, end);
        }
      }
    }
    selected = Intersect(selected, keep);
  }
  return selected;
}

Result<std::unique_ptr<BatchIterator>> FileReader::Scan(const ReadOptions& options) {
  if (options.batch_rows <= 0) {
    return Status::InvalidArgument(file_name_ + ": batch_rows must be positive, not " +
                                   std::to_string(options.batch_rows));
  }
  SLUICE_RETURN_IF_ERROR(ResolveColumns(options.columns).status());
  SLUICE_ASSIGN_OR_RETURN(std::vector<int> groups, PruneRowGroups(options.predicates));
  stats_.row_groups_skipped += num_row_groups() - static_cast<int64_t>(groups.size());
  return std::unique_ptr<BatchIterator>(new BatchIterator(this, options, std::move(groups)));
}

Result<std::optional<RecordBatch>> BatchIterator::Next() {
  if (done_) return std::optional<RecordBatch>();
  while (!current_.has_value() || current_offset_ >= current_->num_rows) {
    current_.reset();
    if (next_group_ >= row_groups_.size()) {
      done_ = true;
      return std::optional<RecordBatch>();
    }
    const int group = row_groups_[next_group_++];
    auto fields = reader_->ResolveColumns(options_.columns);
    if (!fields.ok()) {
      done_ = true;
      return fields.status();
    }
    std::vector<std::pair<int64_t, int64_t>> ranges;
    bool whole = true;
    if (!options_.predicates.empty()) {
      auto pruned = reader_->PrunePages(group, options_.predicates);
      if (!pruned.ok()) {
        done_ = true;
        return pruned.status();
      }
      ranges = std::move(*pruned);
      const int64_t rows = reader_->metadata_.row_groups[static_cast<size_t>(group)].num_rows;
      whole = ranges.size() == 1 && ranges[0].first == 0 && ranges[0].second == rows;
      if (ranges.empty()) {
        ++reader_->stats_.row_groups_skipped;
        continue;
      }
    }
    auto batch = reader_->ReadRowGroupRanges(group, *fields, whole ? nullptr : &ranges);
    if (!batch.ok()) {
      done_ = true;
      return batch.status();
    }
    current_ = std::move(*batch);
    current_offset_ = 0;
  }
  const int64_t rows = std::min(options_.batch_rows, current_->num_rows - current_offset_);
  if (current_offset_ == 0 && rows == current_->num_rows) {
    RecordBatch out = std::move(*current_);
    current_.reset();
    return std::optional<RecordBatch>(std::move(out));
  }
  RecordBatch out;
  out.schema = current_->schema;
  out.num_rows = rows;
  for (const ColumnVector& c : current_->columns) {
    out.columns.push_back(internal::SliceColumn(c, current_offset_, rows));
  }
  current_offset_ += rows;
  return std::optional<RecordBatch>(std::move(out));
}

}  // namespace sluice::parquet
