#include "sluice/parquet/column_writer_internal.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "sluice/parquet/delta.h"
#include "sluice/parquet/file_writer.h"
#include "sluice/parquet/plain.h"

namespace sluice::parquet {

namespace {

// Rows handed to the page logic at a time: pages are cut between pieces.
constexpr int64_t kPieceRows = 1024;
// The first 8 bytes of `v` (zero-padded) as a big-endian integer: integers compare as the
// bytes do, unsigned and lexicographically, as far as those 8 bytes go.
inline uint64_t BytesPrefix(std::string_view v) {
  uint64_t x = 0;
  if (!v.empty()) std::memcpy(&x, v.data(), std::min<size_t>(v.size(), 8));
  return __builtin_bswap64(x);
}

// Values after which a first page of (nearly) distinct values gives up its dictionary: at
// least kDictionaryEarlyDistinctPercent of them distinct means some 17,000 distinct values or
// more, whose dictionary indices zstd cannot shrink while their PLAIN bytes compress well
// (1M orders: customer ids and e-mail addresses took 18.2 MB of silver with dictionaries,
// 16.1 MB without, and a twentieth of the run's time).
constexpr int64_t kDictionaryEarlyLook = 1024;
constexpr int64_t kDictionaryEarlyDistinctPercent = 97;
// Byte-array statistics longer than this are truncated (and marked inexact).
constexpr size_t kMaxStatBytes = 64;

StatsOrder OrderOf(const DataType& t) {
  switch (t.kind) {
    case TypeKind::kUInt8:
    case TypeKind::kUInt16:
    case TypeKind::kUInt32:
    case TypeKind::kUInt64:
      return StatsOrder::kUnsigned;
    case TypeKind::kFloat:
    case TypeKind::kDouble:
      return StatsOrder::kFloat;
    case TypeKind::kBoolean:
      return StatsOrder::kBoolean;
    case TypeKind::kString:
    case TypeKind::kJson:
    case TypeKind::kEnum:
    case TypeKind::kBinary:
    case TypeKind::kFixedBinary:
    case TypeKind::kUuid:
      return StatsOrder::kBytes;
    case TypeKind::kDecimal:
      return t.precision > 18 ? StatsOrder::kSignedBytes : StatsOrder::kSigned;
    default:
      return StatsOrder::kSigned;
  }
}

void CollectLeaves(const Field& field, int field_index, std::vector<std::string> path,
                   std::vector<PathNode> nodes, int16_t def, int16_t rep,
                   std::vector<LeafColumn>* out) {
  path.push_back(field.name);
  PathNode node;
  node.nullable = field.nullable;
  node.def_level = static_cast<int16_t>(def + (field.nullable ? 1 : 0));
  const DataType& t = field.type;
  if (t.kind == TypeKind::kList) {
    node.kind = PathNode::Kind::kList;
    node.rep_level = static_cast<int16_t>(rep + 1);
    nodes.push_back(node);
    path.push_back("list");
    Field element = t.children[0];
    element.name = "element";
    // The repeated group adds a definition level (the list is non-empty).
    CollectLeaves(element, field_index, std::move(path), std::move(nodes),
                  static_cast<int16_t>(node.def_level + 1), node.rep_level, out);
    return;
  }
  if (t.kind == TypeKind::kStruct) {
    node.kind = PathNode::Kind::kStruct;
    for (size_t i = 0; i < t.children.size(); ++i) {
      node.child = static_cast<int>(i);
      std::vector<PathNode> child_nodes = nodes;
      child_nodes.push_back(node);
      CollectLeaves(t.children[i], field_index, path, std::move(child_nodes), node.def_level, rep,
                    out);
    }
    return;
  }
  node.kind = PathNode::Kind::kLeaf;
  nodes.push_back(node);
  LeafColumn leaf;
  leaf.path = std::move(path);
  leaf.field_index = field_index;
  leaf.max_def = node.def_level;
  leaf.max_rep = rep;
  leaf.nodes = std::move(nodes);
  leaf.type = t;
  leaf.order = OrderOf(t);
  out->push_back(std::move(leaf));
}

void ShredValue(const LeafColumn& c, size_t j, const ColumnVector& v, int64_t i, int16_t rep,
                LeafLevels* out) {
  const PathNode& n = c.nodes[j];
  if (n.nullable && v.IsNull(i)) {
    out->def.push_back(static_cast<int16_t>(n.def_level - 1));
    out->rep.push_back(rep);
    return;
  }
  switch (n.kind) {
    case PathNode::Kind::kLeaf:
      out->def.push_back(n.def_level);
      out->rep.push_back(rep);
      out->slots.push_back(i);
      return;
    case PathNode::Kind::kStruct:
      ShredValue(c, j + 1, v.children[static_cast<size_t>(n.child)], i, rep, out);
      return;
    case PathNode::Kind::kList: {
      const int64_t begin = v.offsets[static_cast<size_t>(i)];
      const int64_t end = v.offsets[static_cast<size_t>(i) + 1];
      if (begin == end) {
        out->def.push_back(n.def_level);
        out->rep.push_back(rep);
        return;
      }
      for (int64_t k = begin; k < end; ++k) {
        ShredValue(c, j + 1, v.children[0], k, k == begin ? rep : n.rep_level, out);
      }
      return;
    }
  }
}

void AppendLe(const void* p, size_t n, std::string* out) {
  out->append(static_cast<const char*>(p), n);
}

template <typename T>
T Load(std::string_view s) {
  T v;
  std::memcpy(&v, s.data(), sizeof(T));
  return v;
}

// Big-endian two's complement comparison of equal-length values.
bool SignedBytesLess(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return a.size() < b.size();
  const auto a0 = static_cast<int8_t>(a[0]);
  const auto b0 = static_cast<int8_t>(b[0]);
  if (a0 != b0) return a0 < b0;
  return a.substr(1) < b.substr(1);
}

void PlainEncodeBools(const uint8_t* v, int64_t n, std::string* out) {
  const size_t start = out->size();
  out->resize(start + static_cast<size_t>((n + 7) / 8), '\0');
  char* p = out->data() + start;
  for (int64_t i = 0; i < n; ++i) {
    if (v[i]) p[i >> 3] = static_cast<char>(p[i >> 3] | (1 << (i & 7)));
  }
}

}  // namespace

std::vector<LeafColumn> BuildLeafColumns(const Schema& schema,
                                         const std::vector<SchemaElement>& elements) {
  std::vector<LeafColumn> leaves;
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    CollectLeaves(schema.fields[i], static_cast<int>(i), {}, {}, 0, 0, &leaves);
  }
  size_t next = 0;
  for (const SchemaElement& e : elements) {
    if (!e.type.has_value()) continue;
    SLUICE_DCHECK(next < leaves.size());
    leaves[next].physical = *e.type;
    leaves[next].type_length = e.type_length.value_or(0);
    ++next;
  }
  SLUICE_DCHECK(next == leaves.size());
  return leaves;
}

void ComputeLevels(const LeafColumn& column, const ColumnVector& top, int64_t begin, int64_t end,
                   LeafLevels* out) {
  out->def.clear();
  out->rep.clear();
  out->slots.clear();
  const ColumnVector* leaf = &top;
  for (size_t j = 0; j + 1 < column.nodes.size(); ++j) {
    const PathNode& n = column.nodes[j];
    leaf = n.kind == PathNode::Kind::kStruct ? &leaf->children[static_cast<size_t>(n.child)]
                                             : &leaf->children[0];
  }
  out->leaf = leaf;
  for (int64_t i = begin; i < end; ++i) ShredValue(column, 0, top, i, 0, out);
}

// ---- ColumnChunkWriter ----

Result<std::unique_ptr<ColumnChunkWriter>> ColumnChunkWriter::Make(const LeafColumn& column,
                                                                   const WriterOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Codec> codec,
                          MakeCodec(options.codec, options.compression_level));
  return std::unique_ptr<ColumnChunkWriter>(
      new ColumnChunkWriter(column, options, std::move(codec)));
}

namespace {
DictionaryBuilder MakeDictionary(const LeafColumn& c) {
  switch (c.physical) {
    case Type::kInt32:
    case Type::kFloat:
      return DictionaryBuilder::ForFixedWidth(4);
    case Type::kInt64:
    case Type::kDouble:
      return DictionaryBuilder::ForFixedWidth(8);
    case Type::kFixedLenByteArray:
      return DictionaryBuilder::ForFixedWidth(c.type_length);
    default:
      return DictionaryBuilder::ForByteArray();
  }
}
}  // namespace

ColumnChunkWriter::ColumnChunkWriter(const LeafColumn& column, const WriterOptions& options,
                                     std::unique_ptr<Codec> codec)
    : column_(column),
      options_(options),
      codec_(std::move(codec)),
      dict_(MakeDictionary(column)),
      def_encoder_(BitWidth(static_cast<uint64_t>(column.max_def))),
      rep_encoder_(BitWidth(static_cast<uint64_t>(column.max_rep))) {
  switch (column.physical) {
    case Type::kBoolean:
      kind_ = ValueKind::kBool;
      break;
    case Type::kInt32:
      kind_ = ValueKind::kInt32;
      value_width_ = 4;
      break;
    case Type::kInt64:
      kind_ = ValueKind::kInt64;
      value_width_ = 8;
      break;
    case Type::kFloat:
      kind_ = ValueKind::kFloat;
      value_width_ = 4;
      break;
    case Type::kDouble:
      kind_ = ValueKind::kDouble;
      value_width_ = 8;
      break;
    default:
      kind_ = ValueKind::kBytes;
      value_width_ = column.physical == Type::kFixedLenByteArray ? column.type_length : 0;
      break;
  }
  ResetChunk();
}

void ColumnChunkWriter::ResetChunk() {
  dict_.Clear();
  dict_active_ = options_.dictionary && kind_ != ValueKind::kBool;
  dict_used_ = false;
  dict_tried_ = false;
  pages_.clear();
  locations_.clear();
  column_index_ = ColumnIndex{};
  column_index_valid_ = true;
  chunk_min_.reset();
  chunk_max_.reset();
  chunk_nulls_ = 0;
  chunk_levels_ = 0;
  chunk_rows_ = 0;
  chunk_uncompressed_ = 0;
  encodings_.clear();
  encoding_stats_.clear();
}

void ColumnChunkWriter::Gather(const LeafSlice& s, int64_t value_begin, int64_t count,
                               Gathered* g) {
  *g = Gathered{};
  g->count = count;
  const ColumnVector& v = *s.leaf;
  const int64_t* slots = s.slots != nullptr ? s.slots + value_begin : nullptr;
  const int64_t first = s.first_slot + value_begin;
  auto slot = [&](int64_t i) { return static_cast<size_t>(slots ? slots[i] : first + i); };
  switch (kind_) {
    case ValueKind::kBool:
      if (!slots) {
        g->bools = v.bools.data() + first;
      } else {
        gather_bools_.resize(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i) gather_bools_[i] = v.bools[slot(i)];
        g->bools = gather_bools_.data();
      }
      return;
    case ValueKind::kInt32:
      // Decimals up to 9 digits and TIME(MILLIS) are held as int64 in memory.
      if (column_.type.kind == TypeKind::kDecimal || column_.type.kind == TypeKind::kTime) {
        gather_ints32_.resize(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i) {
          gather_ints32_[i] = static_cast<int32_t>(v.ints64[slot(i)]);
        }
        g->ints32 = gather_ints32_.data();
      } else if (!slots) {
        g->ints32 = v.ints32.data() + first;
      } else {
        gather_ints32_.resize(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i) gather_ints32_[i] = v.ints32[slot(i)];
        g->ints32 = gather_ints32_.data();
      }
      return;
    case ValueKind::kInt64:
      if (!slots) {
        g->ints64 = v.ints64.data() + first;
      } else {
        gather_ints64_.resize(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i) gather_ints64_[i] = v.ints64[slot(i)];
        g->ints64 = gather_ints64_.data();
      }
      return;
    case ValueKind::kFloat:
      if (!slots) {
        g->floats = v.floats.data() + first;
      } else {
        gather_floats_.resize(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i) gather_floats_[i] = v.floats[slot(i)];
        g->floats = gather_floats_.data();
      }
      return;
    case ValueKind::kDouble:
      if (!slots) {
        g->doubles = v.doubles.data() + first;
      } else {
        gather_doubles_.resize(static_cast<size_t>(count));
        for (int64_t i = 0; i < count; ++i) gather_doubles_[i] = v.doubles[slot(i)];
        g->doubles = gather_doubles_.data();
      }
      return;
    case ValueKind::kBytes: {
      gather_bytes_.resize(static_cast<size_t>(count));
      const std::string_view bytes(v.bytes);
      if (column_.physical == Type::kByteArray) {
        for (int64_t i = 0; i < count; ++i) {
          const size_t k = slot(i);
          const auto b = static_cast<size_t>(v.offsets[k]);
          gather_bytes_[i] = bytes.substr(b, static_cast<size_t>(v.offsets[k + 1]) - b);
        }
      } else {
        // Wide decimals are 16 bytes in memory; the file keeps the low-order type_length.
        const size_t stride = column_.type.kind == TypeKind::kDecimal ? 16 : value_width_;
        const size_t skip = stride - static_cast<size_t>(value_width_);
        for (int64_t i = 0; i < count; ++i) {
          gather_bytes_[i] = bytes.substr(slot(i) * stride + skip, value_width_);
        }
      }
      g->bytes = gather_bytes_.data();
      return;
    }
  }
}

Status ColumnChunkWriter::Write(const LeafSlice& s) {
  int64_t level = 0;
  int64_t value = 0;
  int64_t rows = 0;
  while (rows < s.num_rows) {
    const int64_t want = std::min({s.num_rows - rows, kPieceRows,
                                   std::max<int64_t>(1, options_.page_rows - page_rows_)});
    int64_t level_end;
    if (s.rep != nullptr) {
      // The piece ends where row `want` (counted from here) starts.
      int64_t started = 0;
      level_end = level;
      while (level_end < s.num_levels) {
        if (s.rep[level_end] == 0) {
          if (started == want) break;
          ++started;
        }
        ++level_end;
      }
    } else {
      level_end = level + want;
    }
    int64_t values = level_end - level;
    if (s.def != nullptr) {
      values = 0;
      for (int64_t i = level; i < level_end; ++i) values += s.def[i] == column_.max_def;
    }
    AppendPiece(s, level, level_end, value, values, want);
    level = level_end;
    value += values;
    rows += want;
    if (page_rows_ >= options_.page_rows || EstimatedPageBytes() >= options_.page_bytes ||
        (dict_active_ && dict_.dictionary_page_size() > options_.dictionary_page_limit)) {
      SLUICE_RETURN_IF_ERROR(FlushPage());
    }
  }
  return Status::OK();
}

void ColumnChunkWriter::AppendPiece(const LeafSlice& s, int64_t level_begin, int64_t level_end,
                                    int64_t value_begin, int64_t value_count, int64_t rows) {
  const int64_t n = level_end - level_begin;
  if (column_.max_def > 0) {
    if (s.def != nullptr) {
      page_def_.insert(page_def_.end(), s.def + level_begin, s.def + level_end);
    } else {
      page_def_.insert(page_def_.end(), static_cast<size_t>(n), column_.max_def);
    }
  }
  if (column_.max_rep > 0) {
    page_rep_.insert(page_rep_.end(), s.rep + level_begin, s.rep + level_end);
  }
  page_levels_ += n;
  page_rows_ += rows;
  page_values_ += value_count;
  if (value_count == 0) return;

  Gathered g;
  Gather(s, value_begin, value_count, &g);
  if (options_.statistics || options_.page_index) UpdateStats(g);

  if (kind_ == ValueKind::kBytes) {
    int64_t plain = 0;
    for (int64_t i = 0; i < value_count; ++i) plain += static_cast<int64_t>(g.bytes[i].size());
    page_plain_bytes_ += plain + (column_.physical == Type::kByteArray ? 4 * value_count : 0);
  } else if (kind_ != ValueKind::kBool) {
    page_plain_bytes_ += value_count * value_width_;
  }

  if (dict_active_) {
    const size_t at = page_indices_.size();
    page_indices_.resize(at + static_cast<size_t>(value_count));
    uint32_t* idx = page_indices_.data() + at;
    switch (kind_) {
      case ValueKind::kInt32: dict_.InsertBatch(g.ints32, value_count, idx); break;
      case ValueKind::kInt64: dict_.InsertBatch(g.ints64, value_count, idx); break;
      case ValueKind::kFloat: dict_.InsertBatch(g.floats, value_count, idx); break;
      case ValueKind::kDouble: dict_.InsertBatch(g.doubles, value_count, idx); break;
      case ValueKind::kBytes: dict_.InsertBatch(g.bytes, value_count, idx); break;
      case ValueKind::kBool: break;
    }
    // The first page decides whether the chunk keeps its dictionary (FlushPage); when its
    // first kDictionaryEarlyLook values are (nearly) all distinct (ids, timestamps, prices,
    // e-mail addresses) it will not, so decide now rather than hash the rest of the page.
    if (!dict_tried_ && page_values_ >= kDictionaryEarlyLook &&
        dict_.num_entries() * 100 >= page_values_ * kDictionaryEarlyDistinctPercent) {
      dict_tried_ = true;
      AbandonDictionary();
    }
    return;
  }
  AppendPlain(g);
}

void ColumnChunkWriter::AppendPlain(const Gathered& g) {
  switch (kind_) {
    case ValueKind::kBool:
      page_bools_.insert(page_bools_.end(), g.bools, g.bools + g.count);
      break;
    case ValueKind::kInt32:
      page_ints32_.insert(page_ints32_.end(), g.ints32, g.ints32 + g.count);
      break;
    case ValueKind::kInt64:
      page_ints64_.insert(page_ints64_.end(), g.ints64, g.ints64 + g.count);
      break;
    case ValueKind::kFloat:
      PlainEncode(g.floats, g.count, &page_plain_);
      break;
    case ValueKind::kDouble:
      PlainEncode(g.doubles, g.count, &page_plain_);
      break;
    case ValueKind::kBytes:
      if (column_.physical == Type::kByteArray) {
        PlainEncodeByteArrays(g.bytes, g.count, &page_plain_);
      } else {
        PlainEncodeFixedLenByteArrays(g.bytes, g.count, value_width_, &page_plain_);
      }
      break;
  }
}

void ColumnChunkWriter::UpdateStats(const Gathered& g) {
  std::string mn, mx;
  const int64_t n = g.count;
  switch (kind_) {
    case ValueKind::kBool: {
      bool any_false = false, any_true = false;
      for (int64_t i = 0; i < n; ++i) (g.bools[i] ? any_true : any_false) = true;
      mn.push_back(any_false ? '\0' : '\1');
      mx.push_back(any_true ? '\1' : '\0');
      break;
    }
    case ValueKind::kInt32: {
      if (column_.order == StatsOrder::kUnsigned) {
        uint32_t lo = UINT32_MAX, hi = 0;
        for (int64_t i = 0; i < n; ++i) {
          const auto v = static_cast<uint32_t>(g.ints32[i]);
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
        AppendLe(&lo, 4, &mn);
        AppendLe(&hi, 4, &mx);
      } else {
        int32_t lo = INT32_MAX, hi = INT32_MIN;
        for (int64_t i = 0; i < n; ++i) {
          lo = std::min(lo, g.ints32[i]);
          hi = std::max(hi, g.ints32[i]);
        }
        AppendLe(&lo, 4, &mn);
        AppendLe(&hi, 4, &mx);
      }
      break;
    }
    case ValueKind::kInt64: {
      if (column_.order == StatsOrder::kUnsigned) {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (int64_t i = 0; i < n; ++i) {
          const auto v = static_cast<uint64_t>(g.ints64[i]);
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
        AppendLe(&lo, 8, &mn);
        AppendLe(&hi, 8, &mx);
      } else {
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (int64_t i = 0; i < n; ++i) {
          lo = std::min(lo, g.ints64[i]);
          hi = std::max(hi, g.ints64[i]);
        }
        AppendLe(&lo, 8, &mn);
        AppendLe(&hi, 8, &mx);
      }
      break;
    }
    case ValueKind::kFloat:
    case ValueKind::kDouble: {
      // NaN takes no part in min/max; a piece of only NaNs contributes nothing.
      bool found = false;
      double lo = 0, hi = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double v = kind_ == ValueKind::kFloat ? g.floats[i] : g.doubles[i];
        if (std::isnan(v)) continue;
        if (!found) {
          lo = hi = v;
          found = true;
        } else {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
      }
      if (!found) return;
      if (kind_ == ValueKind::kFloat) {
        const auto flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
        AppendLe(&flo, 4, &mn);
        AppendLe(&fhi, 4, &mx);
      } else {
        AppendLe(&lo, 8, &mn);
        AppendLe(&hi, 8, &mx);
      }
      break;
    }
    case ValueKind::kBytes: {
      std::string_view lo = g.bytes[0], hi = g.bytes[0];
      if (column_.order == StatsOrder::kBytes) {
        // Unsigned lexicographic order: values whose first 8 bytes differ are ordered by
        // those bytes as one big-endian integer; only equal prefixes need the full compare.
        uint64_t lo_key = BytesPrefix(lo), hi_key = lo_key;
        for (int64_t i = 1; i < n; ++i) {
          const std::string_view v = g.bytes[i];
          const uint64_t key = BytesPrefix(v);
          if (key < lo_key || (key == lo_key && v < lo)) {
            lo = v;
            lo_key = key;
          }
          if (key > hi_key || (key == hi_key && hi < v)) {
            hi = v;
            hi_key = key;
          }
        }
      } else {
        for (int64_t i = 1; i < n; ++i) {
          if (Less(g.bytes[i], lo)) lo = g.bytes[i];
          if (Less(hi, g.bytes[i])) hi = g.bytes[i];
        }
      }
      mn.assign(lo);
      mx.assign(hi);
      break;
    }
  }
  if (!page_min_ || Less(mn, *page_min_)) page_min_ = std::move(mn);
  if (!page_max_ || Less(*page_max_, mx)) page_max_ = std::move(mx);
}

bool ColumnChunkWriter::Less(std::string_view a, std::string_view b) const {
  switch (column_.physical) {
    case Type::kBoolean:
      return static_cast<uint8_t>(a[0]) < static_cast<uint8_t>(b[0]);
    case Type::kInt32:
      if (column_.order == StatsOrder::kUnsigned) return Load<uint32_t>(a) < Load<uint32_t>(b);
      return Load<int32_t>(a) < Load<int32_t>(b);
    case Type::kInt64:
      if (column_.order == StatsOrder::kUnsigned) return Load<uint64_t>(a) < Load<uint64_t>(b);
      return Load<int64_t>(a) < Load<int64_t>(b);
    case Type::kFloat:
      return Load<float>(a) < Load<float>(b);
    case Type::kDouble:
      return Load<double>(a) < Load<double>(b);
    default:
      if (column_.order == StatsOrder::kSignedBytes) return SignedBytesLess(a, b);
      return a < b;  // char_traits<char> compares as unsigned char
  }
}

int64_t ColumnChunkWriter::EstimatedPageBytes() const {
  int64_t bytes = static_cast<int64_t>(page_plain_.size()) +
                  static_cast<int64_t>(page_ints32_.size()) * 4 +
                  static_cast<int64_t>(page_ints64_.size()) * 8 +
                  static_cast<int64_t>(page_bools_.size()) / 8;
  if (dict_active_) {
    bytes += static_cast<int64_t>(page_indices_.size()) * dict_.index_bit_width() / 8;
  }
  // Levels: a rough bound of their RLE size (runs make them much smaller in practice).
  if (column_.max_def > 0) bytes += page_levels_ / 8;
  if (column_.max_rep > 0) bytes += page_levels_ / 8;
  return bytes;
}

int64_t ColumnChunkWriter::EstimatedBytes() const {
  return static_cast<int64_t>(pages_.size()) + EstimatedPageBytes() +
         (dict_active_ || dict_used_ ? dict_.dictionary_page_size() : 0);
}

void ColumnChunkWriter::AbandonDictionary() {
  // Turn the open page's indices back into values, from the dictionary page.
  const std::string_view page = dict_.dictionary_page();
  const int64_t entries = dict_.num_entries();
  const int64_t n = static_cast<int64_t>(page_indices_.size());
  Gathered g;
  g.count = n;
  switch (kind_) {
    case ValueKind::kInt32:
      gather_ints32_.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) gather_ints32_[i] = Load<int32_t>(page.substr(page_indices_[i] * 4u));
      g.ints32 = gather_ints32_.data();
      break;
    case ValueKind::kInt64:
      gather_ints64_.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) gather_ints64_[i] = Load<int64_t>(page.substr(page_indices_[i] * 8u));
      g.ints64 = gather_ints64_.data();
      break;
    case ValueKind::kFloat:
      gather_floats_.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) gather_floats_[i] = Load<float>(page.substr(page_indices_[i] * 4u));
      g.floats = gather_floats_.data();
      break;
    case ValueKind::kDouble:
      gather_doubles_.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) gather_doubles_[i] = Load<double>(page.substr(page_indices_[i] * 8u));
      g.doubles = gather_doubles_.data();
      break;
    case ValueKind::kBytes: {
      std::vector<std::string_view> entry(static_cast<size_t>(entries));
      if (column_.physical == Type::kByteArray) {
        std::string_view data = page;
        const Status st = PlainDecodeByteArrays(&data, entries, entry.data());
        SLUICE_DCHECK(st.ok());
      } else {
        for (int64_t i = 0; i < entries; ++i) {
          entry[i] = page.substr(static_cast<size_t>(i) * value_width_, value_width_);
        }
      }
      gather_bytes_.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) gather_bytes_[i] = entry[page_indices_[i]];
      g.bytes = gather_bytes_.data();
      break;
    }
    case ValueKind::kBool:
      break;
  }
  dict_active_ = false;
  AppendPlain(g);  // copies the values out of the dictionary before it is cleared
  page_indices_.clear();
  dict_.Clear();
}

Status ColumnChunkWriter::FlushPage() {
  if (page_levels_ == 0) return Status::OK();
  if (dict_active_ && !dict_tried_) {
    // The first page decides whether this chunk gets a dictionary at all: only when the
    // dictionary plus the indices are smaller than the values PLAIN-encoded.
    dict_tried_ = true;
    const int64_t dict_bytes =
        dict_.dictionary_page_size() +
        static_cast<int64_t>(page_indices_.size()) * dict_.index_bit_width() / 8;
    if (dict_bytes >= page_plain_bytes_) AbandonDictionary();
  }
  const bool v2 = options_.data_page_v2;

  // Levels: v1 pages length-prefix each run; v2 pages keep them bare and uncompressed.
  levels_buf_.clear();
  if (column_.max_rep > 0) {
    rep_encoder_.AppendBatch(page_rep_.data(), static_cast<int64_t>(page_rep_.size()));
    if (v2) rep_encoder_.Flush(&levels_buf_); else rep_encoder_.FlushLengthPrefixed(&levels_buf_);
  }
  const size_t rep_bytes = levels_buf_.size();
  if (column_.max_def > 0) {
    def_encoder_.AppendBatch(page_def_.data(), static_cast<int64_t>(page_def_.size()));
    if (v2) def_encoder_.Flush(&levels_buf_); else def_encoder_.FlushLengthPrefixed(&levels_buf_);
  }
  const size_t def_bytes = levels_buf_.size() - rep_bytes;

  // Values.
  Encoding encoding = Encoding::kPlain;
  std::string_view body;
  body_buf_.clear();
  if (dict_active_) {
    encoding = Encoding::kRleDictionary;
    dict_used_ = true;
    EncodeDictionaryIndices(page_indices_.data(), static_cast<int64_t>(page_indices_.size()),
                            dict_.index_bit_width(), &body_buf_);
    body = body_buf_;
  } else if (kind_ == ValueKind::kInt32 || kind_ == ValueKind::kInt64) {
    const bool is32 = kind_ == ValueKind::kInt32;
    const int64_t n = static_cast<int64_t>(is32 ? page_ints32_.size() : page_ints64_.size());
    if (options_.delta_integers && n > 0) {
      if (is32) DeltaBinaryPackedEncode(page_ints32_.data(), n, &body_buf_);
      else DeltaBinaryPackedEncode(page_ints64_.data(), n, &body_buf_);
    }
    if (!body_buf_.empty() && static_cast<int64_t>(body_buf_.size()) < n * value_width_) {
      encoding = Encoding::kDeltaBinaryPacked;
    } else {
      body_buf_.clear();
      if (is32) PlainEncode(page_ints32_.data(), n, &body_buf_);
      else PlainEncode(page_ints64_.data(), n, &body_buf_);
    }
    body = body_buf_;
  } else if (kind_ == ValueKind::kBool) {
    if (v2) {
      // RLE booleans: a 4-byte length, then bit width 1 runs.
      RleEncoder rle(1);
      for (uint8_t b : page_bools_) rle.Append(b);
      rle.FlushLengthPrefixed(&body_buf_);
      encoding = Encoding::kRle;
    } else {
      PlainEncodeBools(page_bools_.data(), static_cast<int64_t>(page_bools_.size()), &body_buf_);
    }
    body = body_buf_;
  } else {
    body = page_plain_;
  }

  const int64_t nulls = page_levels_ - page_values_;
  PageHeader header;
  if (v2) {
    header.type = PageType::kDataPageV2;
    DataPageHeaderV2 h;
    h.num_values = static_cast<int32_t>(page_levels_);
    h.num_nulls = static_cast<int32_t>(nulls);
    h.num_rows = static_cast<int32_t>(page_rows_);
    h.encoding = encoding;
    h.definition_levels_byte_length = static_cast<int32_t>(def_bytes);
    h.repetition_levels_byte_length = static_cast<int32_t>(rep_bytes);
    if (options_.codec == CompressionCodec::kUncompressed) h.is_compressed = false;
    header.data_page_header_v2 = h;
  } else {
    header.type = PageType::kDataPage;
    DataPageHeader h;
    h.num_values = static_cast<int32_t>(page_levels_);
    h.encoding = encoding;
    h.definition_level_encoding = Encoding::kRle;
    h.repetition_level_encoding = Encoding::kRle;
    header.data_page_header = h;
  }

  // Page index entries and statistics.
  const bool null_page = page_values_ == 0;
  column_index_.null_pages.push_back(null_page);
  if (!column_index_.null_counts) column_index_.null_counts.emplace();
  column_index_.null_counts->push_back(nulls);
  if (null_page) {
    column_index_.min_values.emplace_back();
    column_index_.max_values.emplace_back();
  } else if (page_min_ && page_max_) {
    const std::optional<Statistics> st = FinalStatistics(page_min_, page_max_, nulls);
    column_index_.min_values.push_back(st->min_value.value_or(""));
    column_index_.max_values.push_back(st->max_value.value_or(""));
    if (!st->min_value || !st->max_value) column_index_valid_ = false;
  } else {
    // Only NaNs: the column index cannot describe this page.
    column_index_valid_ = false;
    column_index_.min_values.emplace_back();
    column_index_.max_values.emplace_back();
  }
  if (page_min_ && (!chunk_min_ || Less(*page_min_, *chunk_min_))) chunk_min_ = page_min_;
  if (page_max_ && (!chunk_max_ || Less(*chunk_max_, *page_max_))) chunk_max_ = page_max_;
  chunk_nulls_ += nulls;

  locations_.push_back(PageLocation{static_cast<int64_t>(pages_.size()), 0, chunk_rows_});
  SLUICE_RETURN_IF_ERROR(WritePage(std::move(header), levels_buf_, body, v2));
  locations_.back().compressed_page_size =
      static_cast<int32_t>(static_cast<int64_t>(pages_.size()) - locations_.back().offset);

  auto add_encoding = [this](Encoding e) {
    if (std::find(encodings_.begin(), encodings_.end(), e) == encodings_.end()) {
      encodings_.push_back(e);
    }
  };
  if (column_.max_def > 0 || column_.max_rep > 0) add_encoding(Encoding::kRle);
  add_encoding(encoding);
  const PageType type = v2 ? PageType::kDataPageV2 : PageType::kDataPage;
  auto it = std::find_if(encoding_stats_.begin(), encoding_stats_.end(),
                         [&](const PageEncodingStats& s) {
                           return s.page_type == type && s.encoding == encoding;
                         });
  if (it == encoding_stats_.end()) {
    encoding_stats_.push_back(PageEncodingStats{type, encoding, 1});
  } else {
    ++it->count;
  }

  chunk_levels_ += page_levels_;
  chunk_rows_ += page_rows_;
  page_def_.clear();
  page_rep_.clear();
  page_indices_.clear();
  page_ints32_.clear();
  page_ints64_.clear();
  page_bools_.clear();
  page_plain_.clear();
  page_plain_bytes_ = 0;
  page_values_ = page_levels_ = page_rows_ = 0;
  page_min_.reset();
  page_max_.reset();

  // Past the dictionary limit, the pages that follow are PLAIN.
  if (dict_active_ && dict_.dictionary_page_size() > options_.dictionary_page_limit) {
    dict_active_ = false;
  }
  return Status::OK();
}

Status ColumnChunkWriter::WritePage(PageHeader header, std::string_view levels,
                                    std::string_view body, bool v2) {
  std::string_view payload;
  int64_t uncompressed;
  if (v2) {
    uncompressed = static_cast<int64_t>(levels.size() + body.size());
    std::string_view values = body;
    if (options_.codec != CompressionCodec::kUncompressed) {
      SLUICE_RETURN_IF_ERROR(codec_->Compress(body, &compressed_buf_));
      values = compressed_buf_;
    }
    page_buf_.assign(levels);
    page_buf_.append(values);
    payload = page_buf_;
  } else {
    page_buf_.assign(levels);
    page_buf_.append(body);
    uncompressed = static_cast<int64_t>(page_buf_.size());
    payload = page_buf_;
    if (options_.codec != CompressionCodec::kUncompressed) {
      SLUICE_RETURN_IF_ERROR(codec_->Compress(page_buf_, &compressed_buf_));
      payload = compressed_buf_;
    }
  }
  if (uncompressed > static_cast<int64_t>(kMaxUncompressedPageSize) ||
      payload.size() > kMaxUncompressedPageSize) {
    return Status::InvalidArgument("column " + column_.path[0] +
                                   ": a page exceeds 2 GiB; lower page_bytes or page_rows");
  }
  header.uncompressed_page_size = static_cast<int32_t>(uncompressed);
  header.compressed_page_size = static_cast<int32_t>(payload.size());
  header_buf_ = SerializePageHeader(header);
  chunk_uncompressed_ += static_cast<int64_t>(header_buf_.size()) + uncompressed;
  pages_.append(header_buf_);
  pages_.append(payload);
  return Status::OK();
}

std::optional<Statistics> ColumnChunkWriter::FinalStatistics(
    const std::optional<std::string>& min, const std::optional<std::string>& max,
    int64_t null_count) const {
  Statistics st;
  st.null_count = null_count;
  if (!min || !max) return st;
  std::string lo = *min, hi = *max;
  bool exact_lo = true, exact_hi = true;
  // Zeros: -0.0 as the minimum, +0.0 as the maximum (parquet.thrift, ColumnOrder).
  if (column_.physical == Type::kFloat) {
    if (Load<float>(lo) == 0.0f) { const float z = -0.0f; std::memcpy(lo.data(), &z, 4); }
    if (Load<float>(hi) == 0.0f) { const float z = 0.0f; std::memcpy(hi.data(), &z, 4); }
  } else if (column_.physical == Type::kDouble) {
    if (Load<double>(lo) == 0.0) { const double z = -0.0; std::memcpy(lo.data(), &z, 8); }
    if (Load<double>(hi) == 0.0) { const double z = 0.0; std::memcpy(hi.data(), &z, 8); }
  } else if (column_.physical == Type::kByteArray) {
    if (lo.size() > kMaxStatBytes) {
      lo.resize(kMaxStatBytes);  // a prefix is still a lower bound
      exact_lo = false;
    }
    if (hi.size() > kMaxStatBytes) {
      // An upper bound: the prefix with its last byte that is not 0xff incremented.
      hi.resize(kMaxStatBytes);
      while (!hi.empty() && static_cast<uint8_t>(hi.back()) == 0xff) hi.pop_back();
      if (hi.empty()) {
        st.min_value = lo;
        st.is_min_value_exact = exact_lo;
        return st;
      }
      hi.back() = static_cast<char>(static_cast<uint8_t>(hi.back()) + 1);
      exact_hi = false;
    }
  }
  st.min_value = lo;
  st.max_value = hi;
  st.is_min_value_exact = exact_lo;
  st.is_max_value_exact = exact_hi;
  // The deprecated fields are read with signed comparison: only where that is the order.
  if (column_.order == StatsOrder::kSigned || column_.order == StatsOrder::kFloat ||
      column_.order == StatsOrder::kBoolean) {
    if (column_.physical != Type::kFixedLenByteArray && column_.physical != Type::kByteArray) {
      st.min = lo;
      st.max = hi;
    }
  }
  return st;
}

Status ColumnChunkWriter::Finish(int64_t file_offset, std::string* out, FinishedChunk* finished) {
  SLUICE_RETURN_IF_ERROR(FlushPage());
  const int64_t start = file_offset;
  ColumnMetaData md;
  md.type = column_.physical;
  md.path_in_schema = column_.path;
  md.codec = options_.codec;
  md.num_values = chunk_levels_;
  int64_t dict_size = 0;
  std::vector<PageEncodingStats> stats;
  std::vector<Encoding> encodings;
  if (dict_used_) {
    PageHeader header;
    header.type = PageType::kDictionaryPage;
    header.dictionary_page_header =
        DictionaryPageHeader{static_cast<int32_t>(dict_.num_entries()), Encoding::kPlain, {}};
    const size_t before = pages_.size();
    // WritePage appends to pages_; move the dictionary page in front of the data pages.
    std::string data_pages;
    data_pages.swap(pages_);
    SLUICE_RETURN_IF_ERROR(WritePage(std::move(header), {}, dict_.dictionary_page(), false));
    dict_size = static_cast<int64_t>(pages_.size());
    pages_.append(data_pages);
    SLUICE_DCHECK(pages_.size() == before + static_cast<size_t>(dict_size));
    md.dictionary_page_offset = start;
    stats.push_back(PageEncodingStats{PageType::kDictionaryPage, Encoding::kPlain, 1});
    encodings.push_back(Encoding::kPlain);
  }
  for (Encoding e : encodings_) {
    if (std::find(encodings.begin(), encodings.end(), e) == encodings.end()) encodings.push_back(e);
  }
  stats.insert(stats.end(), encoding_stats_.begin(), encoding_stats_.end());
  md.encodings = std::move(encodings);
  md.encoding_stats = std::move(stats);
  md.data_page_offset = start + dict_size;
  md.total_uncompressed_size = chunk_uncompressed_;
  md.total_compressed_size = static_cast<int64_t>(pages_.size());
  if (options_.statistics) md.statistics = FinalStatistics(chunk_min_, chunk_max_, chunk_nulls_);

  finished->chunk = ColumnChunk{};
  finished->chunk.file_offset = start;
  finished->chunk.meta_data = std::move(md);
  finished->offset_index = OffsetIndex{};
  for (PageLocation loc : locations_) {
    loc.offset += start + dict_size;
    finished->offset_index.page_locations.push_back(loc);
  }
  finished->column_index.reset();
  if (column_index_valid_) {
    const auto& mins = column_index_.min_values;
    const auto& maxs = column_index_.max_values;
    bool ascending = true, descending = true;
    int prev = -1;
    for (size_t i = 0; i < mins.size(); ++i) {
      if (column_index_.null_pages[i]) continue;
      if (prev >= 0) {
        if (Less(mins[i], mins[prev]) || Less(maxs[i], maxs[prev])) ascending = false;
        if (Less(mins[prev], mins[i]) || Less(maxs[prev], maxs[i])) descending = false;
      }
      prev = static_cast<int>(i);
    }
    column_index_.boundary_order = ascending    ? BoundaryOrder::kAscending
                                   : descending ? BoundaryOrder::kDescending
                                                : BoundaryOrder::kUnordered;
    finished->column_index = std::move(column_index_);
  }
  out->append(pages_);
  ResetChunk();
  return Status::OK();
}

}  // namespace sluice::parquet
