#include "sluice/parquet/column_reader_internal.h"

#include <algorithm>
#include <cstring>
#include <type_traits>
#include <variant>

#include "sluice/common/check.h"
#include "sluice/parquet/byte_stream_split.h"
#include "sluice/parquet/delta.h"
#include "sluice/parquet/dictionary.h"
#include "sluice/parquet/rle.h"
#include "sluice/parquet/schema_convert.h"
#include "sluice/parquet/schema_convert_internal.h"

namespace sluice::parquet::internal {

namespace {

// A page may hold at most this many values plus kValuesPerPageByte per byte of its
// (decompressed) size: RLE runs make huge counts cheap to claim, and each value costs
// memory here, so a page "holding" 2^31 values in 10 bytes is refused.
constexpr int64_t kPageValuesBase = int64_t{1} << 20;
constexpr int64_t kValuesPerPageByte = 512;
// Dictionary-decoded byte values expand; a page may produce this much plus
// kBytesPerPageByte per byte of page and dictionary.
constexpr int64_t kGatherBytesBase = int64_t{64} << 20;
constexpr int64_t kBytesPerPageByte = 4096;

std::string EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kPlain:
      return "PLAIN";
    case Encoding::kPlainDictionary:
      return "PLAIN_DICTIONARY";
    case Encoding::kRle:
      return "RLE";
    case Encoding::kBitPacked:
      return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked:
      return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray:
      return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary:
      return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit:
      return "BYTE_STREAM_SPLIT";
  }
  return "encoding " + std::to_string(static_cast<int32_t>(e));
}

// ---------------------------------------------------------------------------------------
// Schema: FromParquetSchema (schema_convert.h) maps the types; this walk over the same
// elements adds what decoding needs (levels, leaves, element indexes).

class SchemaBuilder {
 public:
  SchemaBuilder(const std::vector<SchemaElement>& schema, std::string_view file_name)
      : schema_(schema), file_name_(file_name) {}

  Status Build(ReaderSchema* out) {
    SLUICE_ASSIGN_OR_RETURN(out->schema, FromParquetSchema(schema_, file_name_));
    next_ = 1;
    for (const Field& field : out->schema.fields) {
      LogicalNode node;
      Convert(field, 0, 0, false, &node);
      out->fields.push_back(std::move(node));
    }
    SLUICE_DCHECK(next_ == schema_.size());
    out->leaves.resize(static_cast<size_t>(leaf_count_));
    std::vector<const LogicalNode*> ancestry;
    for (const LogicalNode& f : out->fields) CollectLeaves(f, &ancestry, out);
    for (size_t i = 0; i < out->leaves.size(); ++i) out->leaves[i].path = paths_[i];
    return Status::OK();
  }

 private:
  static void CollectLeaves(const LogicalNode& node, std::vector<const LogicalNode*>* ancestry,
                            ReaderSchema* out) {
    ancestry->push_back(&node);
    if (node.kind == LogicalNode::Kind::kPrimitive) {
      LeafInfo& leaf = out->leaves[static_cast<size_t>(node.first_leaf)];
      leaf.node = &node;
      leaf.ancestry = *ancestry;
    } else {
      for (const LogicalNode& child : node.children) CollectLeaves(child, ancestry, out);
    }
    ancestry->pop_back();
  }

  // Converts the element at next_ and its subtree, whose sluice field FromParquetSchema made
  // `field` (so the shapes are known to match). `required_here` treats a repeated element as
  // the required element of the list it forms (its levels are in `def`/`rep` already).
  void Convert(const Field& field, int16_t def, int16_t rep, bool required_here,
               LogicalNode* out) {
    const size_t index = next_;
    const SchemaElement& e = schema_[index];
    const FieldRepetitionType repetition =
        e.repetition_type.value_or(FieldRepetitionType::kOptional);
    out->first_leaf = leaf_count_;
    out->field = field;
    if (!required_here && repetition == FieldRepetitionType::kRepeated) {
      // A repeated field without a LIST annotation: a list of required elements.
      LogicalNode element;
      Convert(field.type.children[0], static_cast<int16_t>(def + 1),
              static_cast<int16_t>(rep + 1), true, &element);
      out->kind = LogicalNode::Kind::kList;
      out->def_present = def;
      out->def_nonempty = static_cast<int16_t>(def + 1);
      out->rep_element = static_cast<int16_t>(rep + 1);
      out->children.push_back(std::move(element));
      out->end_leaf = leaf_count_;
      return;
    }
    const bool optional = !required_here && repetition == FieldRepetitionType::kOptional;
    const auto d = static_cast<int16_t>(def + (optional ? 1 : 0));
    ++next_;
    out->def_present = d;
    if (!e.num_children.has_value()) {
      out->kind = LogicalNode::Kind::kPrimitive;
      out->element = static_cast<int>(index);
      out->max_def = d;
      out->max_rep = rep;
      std::string path;
      for (const std::string& n : names_) path += n + ".";
      paths_.push_back(path + e.name);
      ++leaf_count_;
      out->end_leaf = leaf_count_;
      return;
    }
    names_.push_back(e.name);
    if (field.type.kind == TypeKind::kList) {
      // A LIST or MAP group: its only field is repeated, and is the element or wraps it.
      const SchemaElement& repeated = schema_[next_];
      LogicalNode element;
      const auto element_def = static_cast<int16_t>(d + 1);
      const auto element_rep = static_cast<int16_t>(rep + 1);
      if (RepeatedFieldIsListElement(e, repeated)) {
        Convert(field.type.children[0], element_def, element_rep, true, &element);
      } else {
        names_.push_back(repeated.name);
        ++next_;
        Convert(field.type.children[0], element_def, element_rep, false, &element);
        names_.pop_back();
      }
      out->kind = LogicalNode::Kind::kList;
      out->def_nonempty = element_def;
      out->rep_element = element_rep;
      out->children.push_back(std::move(element));
    } else {
      out->kind = LogicalNode::Kind::kStruct;
      for (const Field& child_field : field.type.children) {
        LogicalNode child;
        Convert(child_field, d, rep, false, &child);
        out->children.push_back(std::move(child));
      }
    }
    names_.pop_back();
    out->end_leaf = leaf_count_;
  }

  const std::vector<SchemaElement>& schema_;
  std::string_view file_name_;
  size_t next_ = 1;
  int leaf_count_ = 0;
  std::vector<std::string> names_;
  std::vector<std::string> paths_;
};

// ---------------------------------------------------------------------------------------
// Value conversion

// Big-endian two's complement `b` as an int64; false when it does not fit.
bool BigEndianToInt64(std::string_view b, int64_t* out) {
  if (b.empty()) {
    *out = 0;
    return true;
  }
  const auto* p = reinterpret_cast<const uint8_t*>(b.data());
  const uint8_t sign = (p[0] & 0x80) ? 0xff : 0x00;
  size_t skip = b.size() > 8 ? b.size() - 8 : 0;
  for (size_t i = 0; i < skip; ++i) {
    if (p[i] != sign) return false;
  }
  if (skip > 0 && ((p[skip] & 0x80) ? 0xff : 0x00) != sign) return false;
  uint64_t v = sign ? ~uint64_t{0} : 0;
  for (size_t i = skip; i < b.size(); ++i) v = (v << 8) | p[i];
  *out = static_cast<int64_t>(v);
  return true;
}

// Appends `b` sign-extended to 16 big-endian bytes; false when it does not fit.
bool AppendBigEndian16(std::string_view b, std::string* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(b.data());
  const char sign = (!b.empty() && (p[0] & 0x80)) ? '\xff' : '\0';
  if (b.size() > 16) {
    const size_t skip = b.size() - 16;
    for (size_t i = 0; i < skip; ++i) {
      if (static_cast<char>(p[i]) != sign) return false;
    }
    if (((p[skip] & 0x80) ? '\xff' : '\0') != sign) return false;
    out->append(b.substr(skip));
    return true;
  }
  out->append(16 - b.size(), sign);
  out->append(b);
  return true;
}

void AppendInt64As16(int64_t v, std::string* out) {
  char buf[16];
  const char sign = v < 0 ? '\xff' : '\0';
  std::memset(buf, sign, 8);
  auto u = static_cast<uint64_t>(v);
  for (int i = 15; i >= 8; --i) {
    buf[i] = static_cast<char>(u & 0xff);
    u >>= 8;
  }
  out->append(buf, 16);
}

int64_t Int96ToNanos(const Int96& v) {
  const uint64_t nanos_of_day = (uint64_t{v.value[1]} << 32) | v.value[0];
  const int64_t julian_day = static_cast<int64_t>(v.value[2]);
  constexpr int64_t kUnixEpochJulianDay = 2440588;
  constexpr int64_t kNanosPerDay = 86400LL * 1000000000LL;
  return static_cast<int64_t>(
      static_cast<uint64_t>((julian_day - kUnixEpochJulianDay) * kNanosPerDay) + nanos_of_day);
}

template <typename T>
void AppendRange(std::vector<T>* dst, const T* src, int64_t n) {
  dst->insert(dst->end(), src, src + n);
}

}  // namespace

Status NotSupported(std::string message) {
  return Status(StatusCode::kInvalidArgument, "NotSupported", std::move(message));
}

ColumnVector MakeEmptyColumn(const DataType& type) {
  ColumnVector c;
  c.type = type;
  if (StorageOf(type) == Storage::kOffsets || type.kind == TypeKind::kList) c.offsets.push_back(0);
  for (const Field& f : type.children) c.children.push_back(MakeEmptyColumn(f.type));
  return c;
}

void LeafData::Clear() {
  def.clear();
  rep.clear();
  num_entries = 0;
}

// ---------------------------------------------------------------------------------------
// Schema

Result<std::unique_ptr<ReaderSchema>> BuildReaderSchema(const std::vector<SchemaElement>& schema,
                                                        std::string_view file_name) {
  auto out = std::make_unique<ReaderSchema>();
  if (schema.empty()) return Status::Corruption(std::string(file_name) + ": the schema is empty");
  SchemaBuilder builder(schema, file_name);
  SLUICE_RETURN_IF_ERROR(builder.Build(out.get()));
  return out;
}

// ---------------------------------------------------------------------------------------
// Column chunk decoding

ColumnChunkDecoder::ColumnChunkDecoder(const LogicalNode& leaf, const SchemaElement& element)
    : leaf_(leaf), element_(element), physical_(*element.type) {}

Status ColumnChunkDecoder::GetCodec(CompressionCodec codec) {
  if (codec_ != nullptr && codec_->codec() == codec) return Status::OK();
  SLUICE_ASSIGN_OR_RETURN(codec_, MakeCodec(codec));
  return Status::OK();
}

Status ColumnChunkDecoder::Decompress(std::string_view in, int32_t uncompressed_size,
                                      std::string* out) {
  if (uncompressed_size < 0) {
    return Status::Corruption("negative uncompressed page size " +
                              std::to_string(uncompressed_size));
  }
  return codec_->Decompress(in, static_cast<size_t>(uncompressed_size), out);
}

// Appends byte-array values (views) in the leaf's representation.
Status ColumnChunkDecoder::AppendPhysical(const std::string_view* values, int64_t n,
                                          ColumnVector* out) {
  const Storage storage = StorageOf(out->type);
  const bool decimal = out->type.kind == TypeKind::kDecimal;
  if (storage == Storage::kOffsets) {
    size_t total = 0;
    for (int64_t i = 0; i < n; ++i) total += values[i].size();
    out->bytes.reserve(out->bytes.size() + total);
    if (out->offsets.empty()) out->offsets.push_back(0);
    out->offsets.reserve(out->offsets.size() + static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      out->bytes.append(values[i]);
      out->offsets.push_back(static_cast<int64_t>(out->bytes.size()));
    }
  } else if (decimal && storage == Storage::kInts64) {
    for (int64_t i = 0; i < n; ++i) {
      int64_t v;
      if (!BigEndianToInt64(values[i], &v)) {
        return Status::Corruption("a DECIMAL(" + std::to_string(out->type.precision) +
                                  ") value of " + std::to_string(values[i].size()) +
                                  " bytes does not fit its precision");
      }
      out->ints64.push_back(v);
    }
  } else if (decimal) {
    for (int64_t i = 0; i < n; ++i) {
      if (!AppendBigEndian16(values[i], &out->bytes)) {
        return Status::Corruption("a DECIMAL(" + std::to_string(out->type.precision) +
                                  ") value of " + std::to_string(values[i].size()) +
                                  " bytes does not fit in 16 bytes");
      }
    }
  } else if (storage == Storage::kFixed) {
    const size_t width = FixedWidthOf(out->type);
    for (int64_t i = 0; i < n; ++i) {
      if (values[i].size() != width) {
        return Status::Corruption("a value of " + std::to_string(values[i].size()) +
                                  " bytes in a column of fixed width " + std::to_string(width));
      }
      out->bytes.append(values[i]);
    }
  } else {
    return Status::Corruption("byte array values for a " + out->type.ToString() + " column");
  }
  return Status::OK();
}

namespace {

// Appends INT32 physical values to a column of any integer-backed type.
void AppendInt32s(const int32_t* v, int64_t n, ColumnVector* out) {
  switch (StorageOf(out->type)) {
    case Storage::kInts32:
      AppendRange(&out->ints32, v, n);
      break;
    case Storage::kInts64:
      out->ints64.reserve(out->ints64.size() + static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) out->ints64.push_back(v[i]);
      break;
    default:  // wide decimal
      for (int64_t i = 0; i < n; ++i) AppendInt64As16(v[i], &out->bytes);
      break;
  }
}

void AppendInt64s(const int64_t* v, int64_t n, ColumnVector* out) {
  if (StorageOf(out->type) == Storage::kInts64) {
    AppendRange(&out->ints64, v, n);
  } else {
    for (int64_t i = 0; i < n; ++i) AppendInt64As16(v[i], &out->bytes);
  }
}

// Appends values[indices[i]] for i in [0, n).
Status Gather(const ColumnVector& dict, const uint32_t* indices, int64_t n, int64_t byte_budget,
              ColumnVector* out) {
  switch (StorageOf(out->type)) {
    case Storage::kBools:
      for (int64_t i = 0; i < n; ++i) out->bools.push_back(dict.bools[indices[i]]);
      break;
    case Storage::kInts32:
      out->ints32.reserve(out->ints32.size() + static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) out->ints32.push_back(dict.ints32[indices[i]]);
      break;
    case Storage::kInts64:
      out->ints64.reserve(out->ints64.size() + static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) out->ints64.push_back(dict.ints64[indices[i]]);
      break;
    case Storage::kFloats:
      out->floats.reserve(out->floats.size() + static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) out->floats.push_back(dict.floats[indices[i]]);
      break;
    case Storage::kDoubles:
      out->doubles.reserve(out->doubles.size() + static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) out->doubles.push_back(dict.doubles[indices[i]]);
      break;
    case Storage::kOffsets: {
      int64_t total = 0;
      for (int64_t i = 0; i < n; ++i) {
        total += dict.offsets[indices[i] + 1] - dict.offsets[indices[i]];
        if (total > byte_budget) {
          return Status::Corruption("dictionary-encoded values expand to more than " +
                                    std::to_string(byte_budget) + " bytes");
        }
      }
      out->bytes.reserve(out->bytes.size() + static_cast<size_t>(total));
      if (out->offsets.empty()) out->offsets.push_back(0);
      out->offsets.reserve(out->offsets.size() + static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) {
        const auto b = static_cast<size_t>(dict.offsets[indices[i]]);
        const auto e = static_cast<size_t>(dict.offsets[indices[i] + 1]);
        out->bytes.append(dict.bytes, b, e - b);
        out->offsets.push_back(static_cast<int64_t>(out->bytes.size()));
      }
      break;
    }
    case Storage::kFixed: {
      const size_t w = FixedWidthOf(out->type);
      if (static_cast<int64_t>(w) * n > byte_budget) {
        return Status::Corruption("dictionary-encoded values expand to more than " +
                                  std::to_string(byte_budget) + " bytes");
      }
      out->bytes.reserve(out->bytes.size() + w * static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) out->bytes.append(dict.bytes, indices[i] * w, w);
      break;
    }
    case Storage::kNone:
      break;
  }
  return Status::OK();
}

int64_t ValueCount(const ColumnVector& v) {
  switch (StorageOf(v.type)) {
    case Storage::kBools:
      return static_cast<int64_t>(v.bools.size());
    case Storage::kInts32:
      return static_cast<int64_t>(v.ints32.size());
    case Storage::kInts64:
      return static_cast<int64_t>(v.ints64.size());
    case Storage::kFloats:
      return static_cast<int64_t>(v.floats.size());
    case Storage::kDoubles:
      return static_cast<int64_t>(v.doubles.size());
    case Storage::kOffsets:
      return v.offsets.empty() ? 0 : static_cast<int64_t>(v.offsets.size()) - 1;
    case Storage::kFixed: {
      const size_t w = FixedWidthOf(v.type);
      return w == 0 ? 0 : static_cast<int64_t>(v.bytes.size() / w);
    }
    case Storage::kNone:
      break;
  }
  return 0;
}

}  // namespace

Status ColumnChunkDecoder::DecodePlain(std::string_view data, int64_t n, ColumnVector* out) {
  auto too_many = [&](int64_t min_bytes_each) -> Status {
    return Status::Corruption("PLAIN " + std::string(ParquetTypeName(physical_)) + " page claims " +
                              std::to_string(n) + " values in " + std::to_string(data.size()) +
                              " bytes (at least " + std::to_string(min_bytes_each) +
                              " bytes each)");
  };
  switch (physical_) {
    case Type::kBoolean: {
      if (n > static_cast<int64_t>(data.size()) * 8) {
        return Status::Corruption("PLAIN BOOLEAN page claims " + std::to_string(n) +
                                  " values in " + std::to_string(data.size()) + " bytes");
      }
      const auto* p = reinterpret_cast<const uint8_t*>(data.data());
      out->bools.reserve(out->bools.size() + static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) out->bools.push_back((p[i >> 3] >> (i & 7)) & 1);
      return Status::OK();
    }
    case Type::kInt32:
      if (n > static_cast<int64_t>(data.size()) / 4) return too_many(4);
      if (StorageOf(out->type) == Storage::kInts32) {
        const size_t at = out->ints32.size();
        out->ints32.resize(at + static_cast<size_t>(n));
        return PlainDecode(&data, n, out->ints32.data() + at);
      }
      ints32_.resize(static_cast<size_t>(n));
      SLUICE_RETURN_IF_ERROR(PlainDecode(&data, n, ints32_.data()));
      AppendInt32s(ints32_.data(), n, out);
      return Status::OK();
    case Type::kInt64:
      if (n > static_cast<int64_t>(data.size()) / 8) return too_many(8);
      if (StorageOf(out->type) == Storage::kInts64) {
        const size_t at = out->ints64.size();
        out->ints64.resize(at + static_cast<size_t>(n));
        return PlainDecode(&data, n, out->ints64.data() + at);
      }
      ints64_.resize(static_cast<size_t>(n));
      SLUICE_RETURN_IF_ERROR(PlainDecode(&data, n, ints64_.data()));
      AppendInt64s(ints64_.data(), n, out);
      return Status::OK();
    case Type::kInt96: {
      if (n > static_cast<int64_t>(data.size()) / 12) return too_many(12);
      int96_.resize(static_cast<size_t>(n));
      SLUICE_RETURN_IF_ERROR(PlainDecode(&data, n, int96_.data()));
      for (int64_t i = 0; i < n; ++i) out->ints64.push_back(Int96ToNanos(int96_[i]));
      return Status::OK();
    }
    case Type::kFloat: {
      if (n > static_cast<int64_t>(data.size()) / 4) return too_many(4);
      const size_t at = out->floats.size();
      out->floats.resize(at + static_cast<size_t>(n));
      return PlainDecode(&data, n, out->floats.data() + at);
    }
    case Type::kDouble: {
      if (n > static_cast<int64_t>(data.size()) / 8) return too_many(8);
      const size_t at = out->doubles.size();
      out->doubles.resize(at + static_cast<size_t>(n));
      return PlainDecode(&data, n, out->doubles.data() + at);
    }
    case Type::kByteArray:
      if (n > static_cast<int64_t>(data.size()) / 4) return too_many(4);
      views_.resize(static_cast<size_t>(n));
      SLUICE_RETURN_IF_ERROR(PlainDecodeByteArrays(&data, n, views_.data()));
      return AppendPhysical(views_.data(), n, out);
    case Type::kFixedLenByteArray: {
      const int width = element_.type_length.value_or(0);
      if (width <= 0) return Status::Corruption("FIXED_LEN_BYTE_ARRAY without a type_length");
      if (n > static_cast<int64_t>(data.size()) / width) return too_many(width);
      views_.resize(static_cast<size_t>(n));
      SLUICE_RETURN_IF_ERROR(PlainDecodeFixedLenByteArrays(&data, n, width, views_.data()));
      return AppendPhysical(views_.data(), n, out);
    }
  }
  return NotSupported("physical type " + std::to_string(static_cast<int32_t>(physical_)));
}

Status ColumnChunkDecoder::DecodeDictionaryPage(const PageHeader& header, std::string_view body) {
  if (!header.dictionary_page_header.has_value()) {
    return Status::Corruption("dictionary page without a dictionary_page_header");
  }
  if (has_dictionary_) return Status::Corruption("a second dictionary page");
  const DictionaryPageHeader& dh = *header.dictionary_page_header;
  if (dh.encoding != Encoding::kPlain && dh.encoding != Encoding::kPlainDictionary) {
    return NotSupported("dictionary page encoding " + EncodingName(dh.encoding));
  }
  if (dh.num_values < 0) {
    return Status::Corruption("dictionary page with " + std::to_string(dh.num_values) +
                              " values");
  }
  std::string_view page = body;
  if (codec_->codec() != CompressionCodec::kUncompressed ||
      header.uncompressed_page_size != header.compressed_page_size) {
    SLUICE_RETURN_IF_ERROR(Decompress(body, header.uncompressed_page_size, &decompressed_));
    page = decompressed_;
  }
  ++pages_decompressed_;
  dictionary_ = MakeEmptyColumn(leaf_.field.type);
  SLUICE_RETURN_IF_ERROR(DecodePlain(page, dh.num_values, &dictionary_));
  has_dictionary_ = true;
  return Status::OK();
}

Status ColumnChunkDecoder::DecodeValues(Encoding encoding, std::string_view data, int64_t n,
                                        ColumnVector* out) {
  if (n == 0) return Status::OK();
  switch (encoding) {
    case Encoding::kPlain:
      return DecodePlain(data, n, out);
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary: {
      if (!has_dictionary_) {
        return Status::Corruption(EncodingName(encoding) + " data page without a dictionary page");
      }
      DictionaryIndexDecoder decoder;
      SLUICE_RETURN_IF_ERROR(decoder.Reset(data));
      indices_.resize(static_cast<size_t>(n));
      const int64_t dict_size = ValueCount(dictionary_);
      SLUICE_RETURN_IF_ERROR(
          decoder.Decode(indices_.data(), n, static_cast<uint32_t>(std::min<int64_t>(dict_size, UINT32_MAX))));
      const int64_t budget =
          kGatherBytesBase +
          kBytesPerPageByte * static_cast<int64_t>(data.size() + dictionary_.bytes.size());
      return Gather(dictionary_, indices_.data(), n, budget, out);
    }
    case Encoding::kRle: {
      if (physical_ != Type::kBoolean) {
        return NotSupported("RLE encoding for " + std::string(ParquetTypeName(physical_)) + " values");
      }
      size_t consumed = 0;
      SLUICE_ASSIGN_OR_RETURN(std::string_view runs, SplitLengthPrefixedRle(data, &consumed));
      RleDecoder decoder;
      SLUICE_RETURN_IF_ERROR(decoder.Reset(runs, 1));
      const size_t at = out->bools.size();
      out->bools.resize(at + static_cast<size_t>(n));
      return decoder.GetBatch(out->bools.data() + at, n);
    }
    case Encoding::kDeltaBinaryPacked: {
      DeltaBinaryPackedDecoder decoder;
      SLUICE_RETURN_IF_ERROR(decoder.Reset(data));
      if (physical_ == Type::kInt32) {
        // Decoded in 64 bits and truncated: DuckDB writes INT32 deltas with miniblocks up to
        // 33 bits wide (deltas taken in 64-bit arithmetic), and the first value of UINT_32
        // columns unsigned; both are exact modulo 2^32.
        ints64_.resize(static_cast<size_t>(n));
        SLUICE_RETURN_IF_ERROR(decoder.Decode(ints64_.data(), n));
        ints32_.resize(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
          ints32_[static_cast<size_t>(i)] = static_cast<int32_t>(static_cast<uint32_t>(ints64_[static_cast<size_t>(i)]));
        }
        AppendInt32s(ints32_.data(), n, out);
        return Status::OK();
      }
      if (physical_ == Type::kInt64) {
        if (StorageOf(out->type) == Storage::kInts64) {
          const size_t at = out->ints64.size();
          out->ints64.resize(at + static_cast<size_t>(n));
          return decoder.Decode(out->ints64.data() + at, n);
        }
        ints64_.resize(static_cast<size_t>(n));
        SLUICE_RETURN_IF_ERROR(decoder.Decode(ints64_.data(), n));
        AppendInt64s(ints64_.data(), n, out);
        return Status::OK();
      }
      return Status::Corruption("DELTA_BINARY_PACKED for " + std::string(ParquetTypeName(physical_)) +
                                " values");
    }
    case Encoding::kDeltaLengthByteArray: {
      if (physical_ != Type::kByteArray) {
        return Status::Corruption("DELTA_LENGTH_BYTE_ARRAY for " +
                                  std::string(ParquetTypeName(physical_)) + " values");
      }
      DeltaLengthByteArrayDecoder decoder;
      SLUICE_RETURN_IF_ERROR(decoder.Reset(data, n));
      views_.resize(static_cast<size_t>(n));
      SLUICE_RETURN_IF_ERROR(decoder.Decode(views_.data(), n));
      return AppendPhysical(views_.data(), n, out);
    }
    case Encoding::kDeltaByteArray: {
      if (physical_ != Type::kByteArray && physical_ != Type::kFixedLenByteArray) {
        return Status::Corruption("DELTA_BYTE_ARRAY for " + std::string(ParquetTypeName(physical_)) +
                                  " values");
      }
      SLUICE_RETURN_IF_ERROR(delta_byte_array_.Reset(data, n));
      views_.resize(static_cast<size_t>(n));
      SLUICE_RETURN_IF_ERROR(delta_byte_array_.Decode(views_.data(), n));
      return AppendPhysical(views_.data(), n, out);
    }
    case Encoding::kByteStreamSplit: {
      int width = 0;
      switch (physical_) {
        case Type::kInt32:
        case Type::kFloat:
          width = 4;
          break;
        case Type::kInt64:
        case Type::kDouble:
          width = 8;
          break;
        case Type::kFixedLenByteArray:
          width = element_.type_length.value_or(0);
          break;
        default:
          return Status::Corruption("BYTE_STREAM_SPLIT for " +
                                    std::string(ParquetTypeName(physical_)) + " values");
      }
      SLUICE_ASSIGN_OR_RETURN(int64_t count, ByteStreamSplitValueCount(data, width));
      if (count < n) {
        return Status::Corruption("BYTE_STREAM_SPLIT page holds " + std::to_string(count) +
                                  " values, the levels need " + std::to_string(n));
      }
      raw_.resize(static_cast<size_t>(n) * static_cast<size_t>(width));
      SLUICE_RETURN_IF_ERROR(ByteStreamSplitDecode(data, width, 0, n, raw_.data()));
      const char* raw = reinterpret_cast<const char*>(raw_.data());
      switch (physical_) {
        case Type::kInt32:
          ints32_.resize(static_cast<size_t>(n));
          std::memcpy(ints32_.data(), raw, raw_.size());
          AppendInt32s(ints32_.data(), n, out);
          return Status::OK();
        case Type::kInt64:
          ints64_.resize(static_cast<size_t>(n));
          std::memcpy(ints64_.data(), raw, raw_.size());
          AppendInt64s(ints64_.data(), n, out);
          return Status::OK();
        case Type::kFloat: {
          const size_t at = out->floats.size();
          out->floats.resize(at + static_cast<size_t>(n));
          std::memcpy(out->floats.data() + at, raw, raw_.size());
          return Status::OK();
        }
        case Type::kDouble: {
          const size_t at = out->doubles.size();
          out->doubles.resize(at + static_cast<size_t>(n));
          std::memcpy(out->doubles.data() + at, raw, raw_.size());
          return Status::OK();
        }
        default: {
          views_.resize(static_cast<size_t>(n));
          for (int64_t i = 0; i < n; ++i) {
            views_[static_cast<size_t>(i)] =
                std::string_view(raw + i * width, static_cast<size_t>(width));
          }
          return AppendPhysical(views_.data(), n, out);
        }
      }
    }
    default:
      break;
  }
  return NotSupported("encoding " + EncodingName(encoding) + " for " +
                      std::string(ParquetTypeName(physical_)) + " values is not supported");
}

namespace {

Status DecodeLevels(std::string_view runs, int16_t max_level, int64_t n, std::vector<int16_t>* out,
                    std::string_view what) {
  RleDecoder decoder;
  SLUICE_RETURN_IF_ERROR(decoder.Reset(runs, BitWidth(static_cast<uint64_t>(max_level))));
  const size_t at = out->size();
  out->resize(at + static_cast<size_t>(n));
  Status st = decoder.GetBatch(out->data() + at, n);
  if (!st.ok()) return st.WithContext(what);
  for (size_t i = at; i < out->size(); ++i) {
    if ((*out)[i] < 0 || (*out)[i] > max_level) {
      return Status::Corruption(std::string(what) + " " + std::to_string((*out)[i]) +
                                " exceeds the maximum " + std::to_string(max_level));
    }
  }
  return Status::OK();
}

}  // namespace

Status ColumnChunkDecoder::DecodeDataPage(const PageHeader& header, std::string_view body,
                                          int64_t max_values, LeafData* out) {
  const int16_t max_def = leaf_.max_def;
  const int16_t max_rep = leaf_.max_rep;
  int64_t n = 0;
  Encoding encoding = Encoding::kPlain;
  std::string_view rep_runs, def_runs, values;
  bool has_rep = false, has_def = false;
  if (header.type == PageType::kDataPage) {
    if (!header.data_page_header.has_value()) {
      return Status::Corruption("DATA_PAGE without a data_page_header");
    }
    const DataPageHeader& h = *header.data_page_header;
    n = h.num_values;
    encoding = h.encoding;
    std::string_view page = body;
    if (codec_->codec() != CompressionCodec::kUncompressed ||
        header.uncompressed_page_size != header.compressed_page_size) {
      SLUICE_RETURN_IF_ERROR(Decompress(body, header.uncompressed_page_size, &decompressed_));
      page = decompressed_;
    }
    if (n < 0 || n > max_values) {
      return Status::Corruption("data page claims " + std::to_string(n) +
                                " values, but the column chunk has " +
                                std::to_string(max_values) + " left");
    }
    if (n > kPageValuesBase + kValuesPerPageByte * static_cast<int64_t>(page.size())) {
      return Status::Corruption("data page claims " + std::to_string(n) + " values in only " +
                                std::to_string(page.size()) + " bytes");
    }
    size_t consumed = 0;
    if (max_rep > 0) {
      if (h.repetition_level_encoding != Encoding::kRle) {
        return NotSupported("repetition level encoding " +
                            EncodingName(h.repetition_level_encoding));
      }
      SLUICE_ASSIGN_OR_RETURN(rep_runs, SplitLengthPrefixedRle(page, &consumed));
      page.remove_prefix(consumed);
      has_rep = true;
    }
    if (max_def > 0) {
      if (h.definition_level_encoding != Encoding::kRle) {
        return NotSupported("definition level encoding " +
                            EncodingName(h.definition_level_encoding));
      }
      SLUICE_ASSIGN_OR_RETURN(def_runs, SplitLengthPrefixedRle(page, &consumed));
      page.remove_prefix(consumed);
      has_def = true;
    }
    values = page;
  } else {
    if (!header.data_page_header_v2.has_value()) {
      return Status::Corruption("DATA_PAGE_V2 without a data_page_header_v2");
    }
    const DataPageHeaderV2& h = *header.data_page_header_v2;
    n = h.num_values;
    encoding = h.encoding;
    const int64_t rep_len = h.repetition_levels_byte_length;
    const int64_t def_len = h.definition_levels_byte_length;
    if (rep_len < 0 || def_len < 0 || rep_len + def_len > static_cast<int64_t>(body.size()) ||
        rep_len + def_len > header.uncompressed_page_size) {
      return Status::Corruption("DATA_PAGE_V2 level lengths " + std::to_string(rep_len) + " + " +
                                std::to_string(def_len) + " exceed the page size " +
                                std::to_string(body.size()));
    }
    rep_runs = body.substr(0, static_cast<size_t>(rep_len));
    def_runs = body.substr(static_cast<size_t>(rep_len), static_cast<size_t>(def_len));
    has_rep = max_rep > 0;
    has_def = max_def > 0;
    std::string_view rest = body.substr(static_cast<size_t>(rep_len + def_len));
    const int64_t rest_size = header.uncompressed_page_size - rep_len - def_len;
    if (h.is_compressed.value_or(true) && codec_->codec() != CompressionCodec::kUncompressed) {
      SLUICE_RETURN_IF_ERROR(Decompress(rest, static_cast<int32_t>(rest_size), &decompressed_));
      values = decompressed_;
    } else {
      if (static_cast<int64_t>(rest.size()) != rest_size) {
        return Status::Corruption("uncompressed DATA_PAGE_V2 holds " + std::to_string(rest.size()) +
                                  " value bytes, the header says " + std::to_string(rest_size));
      }
      values = rest;
    }
    if (n < 0 || n > max_values) {
      return Status::Corruption("data page claims " + std::to_string(n) +
                                " values, but the column chunk has " +
                                std::to_string(max_values) + " left");
    }
    if (n > kPageValuesBase +
                kValuesPerPageByte * static_cast<int64_t>(values.size() + rep_len + def_len)) {
      return Status::Corruption("data page claims " + std::to_string(n) + " values in only " +
                                std::to_string(values.size() + rep_len + def_len) + " bytes");
    }
  }
  ++pages_decompressed_;
  if (has_rep) SLUICE_RETURN_IF_ERROR(DecodeLevels(rep_runs, max_rep, n, &out->rep, "repetition level"));
  int64_t non_null = n;
  if (has_def) {
    const size_t at = out->def.size();
    SLUICE_RETURN_IF_ERROR(DecodeLevels(def_runs, max_def, n, &out->def, "definition level"));
    non_null = 0;
    for (size_t i = at; i < out->def.size(); ++i) non_null += out->def[i] == max_def;
  }
  out->num_entries += n;
  return DecodeValues(encoding, values, non_null, &out->values);
}

Status ColumnChunkDecoder::Decode(std::string_view chunk, CompressionCodec codec,
                                  int64_t num_values, int64_t num_rows,
                                  const std::vector<PageLocation>* pages,
                                  const std::vector<RowRange>* ranges, LeafData* out,
                                  DecodeStats* stats) {
  out->Clear();
  out->values = MakeEmptyColumn(leaf_.field.type);
  has_dictionary_ = false;
  pages_decompressed_ = 0;
  SLUICE_RETURN_IF_ERROR(GetCodec(codec));
  if (leaf_.max_rep == 0 && num_values != num_rows) {
    return Status::Corruption("the column chunk has " + std::to_string(num_values) +
                              " values for " + std::to_string(num_rows) + " rows");
  }
  auto page_at = [&](size_t pos, PageHeader* header, std::string_view* body) -> Status {
    size_t header_size = 0;
    std::string_view rest = chunk.substr(pos);
    SLUICE_ASSIGN_OR_RETURN(*header, ParsePageHeader(rest, &header_size));
    if (header->compressed_page_size < 0 ||
        static_cast<uint64_t>(header->compressed_page_size) > rest.size() - header_size) {
      return Status::Corruption("page at byte " + std::to_string(pos) + " of the chunk claims " +
                                std::to_string(header->compressed_page_size) + " bytes, only " +
                                std::to_string(rest.size() - header_size) + " remain");
    }
    if (header->uncompressed_page_size < 0) {
      return Status::Corruption("page at byte " + std::to_string(pos) +
                                " has a negative uncompressed size");
    }
    *body = rest.substr(header_size, static_cast<size_t>(header->compressed_page_size));
    return Status::OK();
  };

  if (pages == nullptr) {
    size_t pos = 0;
    while (pos < chunk.size() && out->num_entries < num_values) {
      PageHeader header;
      std::string_view body;
      Status st = page_at(pos, &header, &body);
      if (!st.ok()) return st.WithContext("page at chunk byte " + std::to_string(pos));
      if (header.type == PageType::kDictionaryPage) {
        if (out->num_entries > 0) return Status::Corruption("a dictionary page after data pages");
        st = DecodeDictionaryPage(header, body);
      } else if (header.type == PageType::kDataPage || header.type == PageType::kDataPageV2) {
        st = DecodeDataPage(header, body, num_values - out->num_entries, out);
      }
      if (!st.ok()) return st.WithContext("page at chunk byte " + std::to_string(pos));
      pos = static_cast<size_t>(body.data() - chunk.data()) + body.size();
    }
    if (out->num_entries != num_values) {
      return Status::Corruption("the column chunk's pages hold " +
                                std::to_string(out->num_entries) + " values, the metadata says " +
                                std::to_string(num_values));
    }
  } else {
    // Page index: the dictionary page (if any) precedes the first data page.
    if (!pages->empty() && (*pages)[0].offset > 0) {
      PageHeader header;
      std::string_view body;
      SLUICE_RETURN_IF_ERROR(page_at(0, &header, &body));
      if (header.type == PageType::kDictionaryPage) {
        SLUICE_RETURN_IF_ERROR(DecodeDictionaryPage(header, body));
      }
    }
    std::vector<RowRange> local;  // `ranges` in the space of decoded rows
    int64_t decoded_rows = 0;
    for (size_t p = 0; p < pages->size(); ++p) {
      const PageLocation& loc = (*pages)[p];
      const int64_t first = loc.first_row_index;
      const int64_t end = p + 1 < pages->size() ? (*pages)[p + 1].first_row_index : num_rows;
      if (first < 0 || end < first || end > num_rows || loc.offset < 0 ||
          static_cast<uint64_t>(loc.offset) >= chunk.size()) {
        return Status::Corruption("offset index entry " + std::to_string(p) +
                                  " lies outside its column chunk or row group");
      }
      bool overlaps = false;
      for (const RowRange& r : *ranges) {
        const int64_t b = std::max(r.begin, first), e = std::min(r.end, end);
        if (b < e) {
          overlaps = true;
          local.push_back({decoded_rows + (b - first), decoded_rows + (e - first)});
        }
      }
      if (!overlaps) {
        ++stats->pages_skipped;
        continue;
      }
      PageHeader header;
      std::string_view body;
      SLUICE_RETURN_IF_ERROR(page_at(static_cast<size_t>(loc.offset), &header, &body));
      if (header.type != PageType::kDataPage && header.type != PageType::kDataPageV2) {
        return Status::Corruption("offset index entry " + std::to_string(p) +
                                  " does not point at a data page");
      }
      const int64_t before = out->num_entries;
      Status st = DecodeDataPage(header, body, num_values - out->num_entries, out);
      if (!st.ok()) return st.WithContext("page " + std::to_string(p));
      int64_t rows = out->num_entries - before;
      if (leaf_.max_rep > 0) {
        rows = 0;
        for (size_t i = static_cast<size_t>(before); i < out->rep.size(); ++i) rows += out->rep[i] == 0;
      }
      if (rows != end - first) {
        return Status::Corruption("page " + std::to_string(p) + " holds " + std::to_string(rows) +
                                  " rows, the offset index says " + std::to_string(end - first));
      }
      decoded_rows += rows;
    }
    KeepRows(local, leaf_.max_def, out);
  }
  if (leaf_.max_rep > 0 && !out->rep.empty() && out->rep[0] != 0) {
    return Status::Corruption("the column chunk's first value does not start a row");
  }
  if (ValueCount(out->values) != (leaf_.max_def == 0
                                      ? out->num_entries
                                      : std::count(out->def.begin(), out->def.end(), leaf_.max_def))) {
    return Status::Corruption("the pages' values do not match their definition levels");
  }
  stats->pages_decompressed += pages_decompressed_;
  return Status::OK();
}

// ---------------------------------------------------------------------------------------
// Row filtering, assembly, slicing

namespace {

// Keeps the values whose keep[] entry is set (keep has one entry per value).
void CompactValues(const std::vector<uint8_t>& keep, ColumnVector* v) {
  auto compact = [&](auto& vec) {
    size_t w = 0;
    for (size_t i = 0; i < keep.size(); ++i) {
      if (keep[i]) vec[w++] = vec[i];
    }
    vec.resize(w);
  };
  switch (StorageOf(v->type)) {
    case Storage::kBools:
      compact(v->bools);
      break;
    case Storage::kInts32:
      compact(v->ints32);
      break;
    case Storage::kInts64:
      compact(v->ints64);
      break;
    case Storage::kFloats:
      compact(v->floats);
      break;
    case Storage::kDoubles:
      compact(v->doubles);
      break;
    case Storage::kOffsets: {
      std::string bytes;
      std::vector<int64_t> offsets = {0};
      for (size_t i = 0; i < keep.size(); ++i) {
        if (!keep[i]) continue;
        bytes.append(v->bytes, static_cast<size_t>(v->offsets[i]),
                     static_cast<size_t>(v->offsets[i + 1] - v->offsets[i]));
        offsets.push_back(static_cast<int64_t>(bytes.size()));
      }
      v->bytes = std::move(bytes);
      v->offsets = std::move(offsets);
      break;
    }
    case Storage::kFixed: {
      const size_t w = FixedWidthOf(v->type);
      size_t out = 0;
      for (size_t i = 0; i < keep.size(); ++i) {
        if (keep[i]) {
          if (out != i) std::memmove(&v->bytes[out * w], &v->bytes[i * w], w);
          ++out;
        }
      }
      v->bytes.resize(out * w);
      break;
    }
    case Storage::kNone:
      break;
  }
}

}  // namespace

void KeepRows(const std::vector<RowRange>& ranges, int16_t max_def, LeafData* data) {
  const int64_t n = data->num_entries;
  std::vector<uint8_t> keep_value;
  keep_value.reserve(static_cast<size_t>(n));
  size_t w = 0;
  int64_t row = -1;
  size_t range = 0;
  bool in_range = false;
  for (int64_t i = 0; i < n; ++i) {
    const auto u = static_cast<size_t>(i);
    if (data->rep.empty() || data->rep[u] == 0) {
      ++row;
      while (range < ranges.size() && ranges[range].end <= row) ++range;
      in_range = range < ranges.size() && ranges[range].begin <= row;
    }
    const bool has_value = data->def.empty() || data->def[u] == max_def;
    if (has_value) keep_value.push_back(in_range ? 1 : 0);
    if (in_range) {
      if (!data->def.empty()) data->def[w] = data->def[u];
      if (!data->rep.empty()) data->rep[w] = data->rep[u];
      ++w;
    }
  }
  if (!data->def.empty()) data->def.resize(w);
  if (!data->rep.empty()) data->rep.resize(w);
  data->num_entries = static_cast<int64_t>(w);
  CompactValues(keep_value, &data->values);
}

namespace {

// Appends the value slots `slots` of a leaf: a value where def == max_def, else null.
// `data.values` may be moved out (the fast path): callers Clear() `data` before reusing it.
Status AppendLeafSlots(LeafData& data, const LogicalNode& node,
                       const std::vector<int64_t>* slots, int64_t num_slots, int64_t* next_value,
                       ColumnVector* out) {
  ColumnVector& values = data.values;
  const Storage storage = StorageOf(out->type);
  const int64_t available = ValueCount(values);
  const size_t width = storage == Storage::kFixed ? FixedWidthOf(out->type) : 0;
  // Fast path: every slot holds a value (no levels, or a nullable column without a null)
  // and they are all the values, in order: hand the decoded buffers over without a copy.
  const bool all_present =
      data.def.empty() || std::all_of(data.def.begin(), data.def.end(),
                                      [&](int16_t d) { return d == node.max_def; });
  if (all_present && slots == nullptr && *next_value == 0 && out->length == 0 &&
      num_slots == available) {
    DataType type = std::move(out->type);
    *out = std::move(values);
    out->type = std::move(type);
    out->length = num_slots;
    if (storage == Storage::kOffsets && out->offsets.empty()) out->offsets.push_back(0);
    *next_value = available;
    return Status::OK();
  }
  if (node.field.nullable) {
    out->validity.resize(static_cast<size_t>(out->length), 1);
    out->validity.reserve(static_cast<size_t>(out->length + num_slots));
  }
  const auto reserve = static_cast<size_t>(out->length + num_slots);
  switch (storage) {
    case Storage::kBools: out->bools.reserve(reserve); break;
    case Storage::kInts32: out->ints32.reserve(reserve); break;
    case Storage::kInts64: out->ints64.reserve(reserve); break;
    case Storage::kFloats: out->floats.reserve(reserve); break;
    case Storage::kDoubles: out->doubles.reserve(reserve); break;
    case Storage::kOffsets: out->offsets.reserve(reserve + 1); break;
    case Storage::kFixed: out->bytes.reserve(reserve * width); break;
    case Storage::kNone: break;
  }
  for (int64_t s = 0; s < num_slots; ++s) {
    const int64_t entry = slots == nullptr ? s : (*slots)[static_cast<size_t>(s)];
    const bool present = all_present || data.def[static_cast<size_t>(entry)] == node.max_def;
    if (present && *next_value >= available) {
      return Status::Corruption("the definition levels need more values than the pages hold");
    }
    const auto v = static_cast<size_t>(*next_value);
    switch (storage) {
      case Storage::kBools:
        out->bools.push_back(present ? values.bools[v] : 0);
        break;
      case Storage::kInts32:
        out->ints32.push_back(present ? values.ints32[v] : 0);
        break;
      case Storage::kInts64:
        out->ints64.push_back(present ? values.ints64[v] : 0);
        break;
      case Storage::kFloats:
        out->floats.push_back(present ? values.floats[v] : 0);
        break;
      case Storage::kDoubles:
        out->doubles.push_back(present ? values.doubles[v] : 0);
        break;
      case Storage::kOffsets:
        if (out->offsets.empty()) out->offsets.push_back(0);
        if (present) {
          out->bytes.append(values.bytes, static_cast<size_t>(values.offsets[v]),
                            static_cast<size_t>(values.offsets[v + 1] - values.offsets[v]));
        }
        out->offsets.push_back(static_cast<int64_t>(out->bytes.size()));
        break;
      case Storage::kFixed:
        if (present) {
          out->bytes.append(values.bytes, v * width, width);
        } else {
          out->bytes.append(width, '\0');
        }
        break;
      case Storage::kNone:
        break;
    }
    if (present) ++*next_value;
    if (node.field.nullable) out->validity.push_back(present ? 1 : 0);
    ++out->length;
  }
  if (!node.field.nullable) {
    for (int64_t s = 0; s < num_slots; ++s) {
      const int64_t entry = slots == nullptr ? s : (*slots)[static_cast<size_t>(s)];
      if (!all_present && data.def[static_cast<size_t>(entry)] != node.max_def) {
        return Status::Corruption("a null in required column");
      }
    }
  }
  return Status::OK();
}

}  // namespace

Status AssembleLeaf(LeafData& data, const LeafInfo& leaf, int leaf_index,
                    const std::vector<ColumnVector*>& vectors) {
  const int64_t n = data.num_entries;
  const bool flat = data.rep.empty();
  auto def_at = [&](int64_t i) -> int16_t {
    return data.def.empty() ? leaf.node->max_def : data.def[static_cast<size_t>(i)];
  };
  int64_t next_value = 0;
  if (flat && leaf.ancestry.size() == 1) {
    return AppendLeafSlots(data, *leaf.node, nullptr, n, &next_value, vectors[0]);
  }
  std::vector<int64_t> slots, next;
  if (flat) {
    slots.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) slots[static_cast<size_t>(i)] = i;
  } else {
    for (int64_t i = 0; i < n; ++i) {
      if (data.rep[static_cast<size_t>(i)] == 0) slots.push_back(i);
    }
  }
  for (size_t k = 0; k < leaf.ancestry.size(); ++k) {
    const LogicalNode& node = *leaf.ancestry[k];
    ColumnVector* vec = vectors[k];
    const bool owner = node.first_leaf == leaf_index;
    switch (node.kind) {
      case LogicalNode::Kind::kPrimitive:
        return AppendLeafSlots(data, node, &slots, static_cast<int64_t>(slots.size()),
                               &next_value, vec);
      case LogicalNode::Kind::kStruct:
        if (owner) {
          if (node.field.nullable) {
            vec->validity.resize(static_cast<size_t>(vec->length), 1);
            for (int64_t i : slots) vec->validity.push_back(def_at(i) >= node.def_present ? 1 : 0);
          }
          vec->length += static_cast<int64_t>(slots.size());
        }
        break;
      case LogicalNode::Kind::kList: {
        next.clear();
        if (owner) {
          if (node.field.nullable) vec->validity.resize(static_cast<size_t>(vec->length), 1);
          if (vec->offsets.empty()) vec->offsets.push_back(0);
        }
        for (int64_t i : slots) {
          const int16_t d = def_at(i);
          int64_t count = 0;
          if (d >= node.def_nonempty) {
            next.push_back(i);
            count = 1;
            for (int64_t j = i + 1; j < n && data.rep[static_cast<size_t>(j)] >= node.rep_element;
                 ++j) {
              if (data.rep[static_cast<size_t>(j)] == node.rep_element) {
                next.push_back(j);
                ++count;
              }
            }
          }
          if (owner) {
            if (node.field.nullable) vec->validity.push_back(d >= node.def_present ? 1 : 0);
            vec->offsets.push_back(vec->offsets.back() + count);
            ++vec->length;
          }
        }
        slots.swap(next);
        break;
      }
    }
  }
  return Status::OK();
}

void DropAllValidValidity(ColumnVector* column) {
  if (!column->validity.empty() &&
      std::find(column->validity.begin(), column->validity.end(), 0) == column->validity.end()) {
    column->validity.clear();
  }
  for (ColumnVector& child : column->children) DropAllValidValidity(&child);
}

ColumnVector SliceColumn(const ColumnVector& c, int64_t offset, int64_t length) {
  ColumnVector r;
  r.type = c.type;
  r.length = length;
  const auto off = static_cast<size_t>(offset);
  const auto len = static_cast<size_t>(length);
  if (!c.validity.empty()) {
    r.validity.assign(c.validity.begin() + static_cast<ptrdiff_t>(off),
                      c.validity.begin() + static_cast<ptrdiff_t>(off + len));
  }
  auto slice = [&](const auto& src, auto* dst) {
    dst->assign(src.begin() + static_cast<ptrdiff_t>(off),
                src.begin() + static_cast<ptrdiff_t>(off + len));
  };
  auto rebase_offsets = [&]() -> std::pair<int64_t, int64_t> {
    if (c.offsets.empty()) {
      r.offsets = {0};
      return {0, 0};
    }
    const int64_t base = c.offsets[off];
    const int64_t end = c.offsets[off + len];
    r.offsets.resize(len + 1);
    for (size_t i = 0; i <= len; ++i) r.offsets[i] = c.offsets[off + i] - base;
    return {base, end};
  };
  switch (StorageOf(c.type)) {
    case Storage::kBools:
      slice(c.bools, &r.bools);
      break;
    case Storage::kInts32:
      slice(c.ints32, &r.ints32);
      break;
    case Storage::kInts64:
      slice(c.ints64, &r.ints64);
      break;
    case Storage::kFloats:
      slice(c.floats, &r.floats);
      break;
    case Storage::kDoubles:
      slice(c.doubles, &r.doubles);
      break;
    case Storage::kOffsets: {
      auto [base, end] = rebase_offsets();
      r.bytes = c.bytes.substr(static_cast<size_t>(base), static_cast<size_t>(end - base));
      break;
    }
    case Storage::kFixed: {
      const size_t w = FixedWidthOf(c.type);
      r.bytes = c.bytes.substr(off * w, len * w);
      break;
    }
    case Storage::kNone:
      if (c.type.kind == TypeKind::kList) {
        auto [base, end] = rebase_offsets();
        r.children.push_back(SliceColumn(c.children[0], base, end - base));
      } else {
        for (const ColumnVector& child : c.children) {
          r.children.push_back(SliceColumn(child, offset, length));
        }
      }
      break;
  }
  return r;
}

}  // namespace sluice::parquet::internal
