#include "sluice/parquet/file_footer.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <vector>

namespace sluice::parquet {
namespace {

constexpr uint64_t kMagicSize = 4;
constexpr uint64_t kLengthSize = 4;
// Leading magic, footer length, trailing magic: the smallest possible frame.
constexpr uint64_t kMinFileSize = 2 * kMagicSize + kLengthSize;

// `bytes` quoted, with non-printable bytes as \xNN, so a wrong magic reads in a message.
std::string Quoted(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F && c != '"' && c != '\\') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  out.push_back('"');
  return out;
}

std::string TypeLabel(Type type) {
  std::string_view name = ParquetTypeName(type);
  if (name != "unknown") return std::string(name);
  return "type " + std::to_string(static_cast<int32_t>(type));
}

class FooterError {
 public:
  explicit FooterError(std::string_view file_name) : file_name_(file_name) {}
  Status operator()(std::string_view what) const {
    return Status::Corruption(std::string(file_name_) + ": " + std::string(what));
  }

 private:
  std::string_view file_name_;
};

// The schema as a tree: for each element its parent, and the leaves in order.
struct SchemaTree {
  std::vector<size_t> parent;  // parent[0] is unused
  std::vector<size_t> leaves;  // element indexes of leaf columns, in schema order
};

Result<SchemaTree> BuildSchemaTree(const std::vector<SchemaElement>& schema,
                                   const FooterError& error) {
  if (schema.empty()) return error("the schema is empty (a root element is required)");
  const SchemaElement& root = schema[0];
  if (!root.num_children.has_value()) {
    return error("the schema root '" + root.name + "' is not a group (it has no num_children)");
  }
  auto describe = [&](size_t i) {
    return "schema element " + std::to_string(i) + " ('" + schema[i].name + "')";
  };
  SchemaTree tree;
  tree.parent.assign(schema.size(), 0);
  // A depth-first walk with an explicit stack, so a hostile schema nested a million levels
  // deep cannot overflow the call stack. Each entry: element index, children still to come.
  struct Open {
    size_t index;
    int64_t remaining;
  };
  std::vector<Open> stack;
  if (*root.num_children < 0) {
    return error(describe(0) + " has num_children " + std::to_string(*root.num_children));
  }
  stack.push_back({0, *root.num_children});
  size_t next = 1;
  while (!stack.empty()) {
    Open& top = stack.back();
    if (top.remaining == 0) {
      stack.pop_back();
      continue;
    }
    if (next >= schema.size()) {
      return error(
          describe(top.index) + " declares " + std::to_string(*schema[top.index].num_children) +
          " children, but the schema ends after " + std::to_string(schema.size()) + " elements");
    }
    --top.remaining;
    size_t index = next++;
    tree.parent[index] = top.index;
    const SchemaElement& element = schema[index];
    if (element.num_children.has_value()) {
      if (*element.num_children < 0) {
        return error(describe(index) + " has num_children " +
                     std::to_string(*element.num_children));
      }
      stack.push_back({index, *element.num_children});
    } else if (!element.type.has_value()) {
      return error(describe(index) + " has neither a type nor children");
    } else {
      tree.leaves.push_back(index);
    }
  }
  if (next != schema.size()) {
    return error("the schema has " + std::to_string(schema.size()) +
                 " elements, but the root's tree covers only " + std::to_string(next));
  }
  return tree;
}

// "a.b.c" for a leaf: the names from below the root down to it.
std::string ColumnPath(const std::vector<SchemaElement>& schema, const SchemaTree& tree,
                       size_t leaf) {
  std::vector<std::string_view> names;
  for (size_t i = leaf; i != 0 && names.size() < 64; i = tree.parent[i]) {
    names.push_back(schema[i].name);
  }
  std::string path;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    if (!path.empty()) path.push_back('.');
    path += *it;
  }
  return path;
}

// Checks that [offset, offset + length) lies inside the data region [4, data_end).
bool InDataRegion(int64_t offset, int64_t length, uint64_t data_end) {
  if (offset < static_cast<int64_t>(kMagicSize) || length < 0) return false;
  auto start = static_cast<uint64_t>(offset);
  auto size = static_cast<uint64_t>(length);
  return start <= data_end && size <= data_end - start;
}

std::string Range(int64_t offset, int64_t length) {
  // Printed as signed values, so a lying negative offset reads as such.
  return "[" + std::to_string(offset) + ", " + std::to_string(offset) + " + " +
         std::to_string(length) + ")";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Sources

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(common::FileDescriptor fd, common::OpenFile(path, O_RDONLY));
  return std::unique_ptr<FileSource>(new FileSource(path, std::move(fd)));
}

Result<uint64_t> FileSource::Size() {
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) return Status::FromErrno(errno, "fstat " + path_);
  return static_cast<uint64_t>(st.st_size);
}

Status FileSource::ReadAt(uint64_t offset, size_t length, std::string* out) {
  SLUICE_ASSIGN_OR_RETURN(uint64_t size, Size());
  if (offset > size || length > size - offset) {
    return Status::OutOfRange(path_ + ": read of " + std::to_string(length) + " bytes at " +
                              std::to_string(offset) + " extends past the end (" +
                              std::to_string(size) + " bytes)");
  }
  out->resize(length);
  return common::PReadExact(fd_.get(), out->data(), length, offset, path_);
}

Status StringSource::ReadAt(uint64_t offset, size_t length, std::string* out) {
  if (offset > data_.size() || length > data_.size() - offset) {
    return Status::OutOfRange("read of " + std::to_string(length) + " bytes at " +
                              std::to_string(offset) + " extends past the end (" +
                              std::to_string(data_.size()) + " bytes)");
  }
  out->assign(data_, static_cast<size_t>(offset), length);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Footer

Status ValidateFileMetaData(const FileMetaData& metadata, uint64_t metadata_offset,
                            std::string_view file_name) {
  FooterError error(file_name);
  SLUICE_ASSIGN_OR_RETURN(SchemaTree tree, BuildSchemaTree(metadata.schema, error));
  if (metadata.num_rows < 0) {
    return error("num_rows is negative (" + std::to_string(metadata.num_rows) + ")");
  }
  const size_t leaf_count = tree.leaves.size();
  for (size_t g = 0; g < metadata.row_groups.size(); ++g) {
    const RowGroup& group = metadata.row_groups[g];
    std::string where = "row group " + std::to_string(g);
    if (group.columns.size() != leaf_count) {
      return error(where + " has " + std::to_string(group.columns.size()) +
                   " column chunks, but the schema has " + std::to_string(leaf_count) +
                   " leaf columns");
    }
    if (group.num_rows < 0) {
      return error(where + " has a negative num_rows (" + std::to_string(group.num_rows) + ")");
    }
    for (size_t c = 0; c < leaf_count; ++c) {
      const ColumnChunk& chunk = group.columns[c];
      const SchemaElement& leaf = metadata.schema[tree.leaves[c]];
      std::string column = where + ", column " + std::to_string(c) + " ('" +
                           ColumnPath(metadata.schema, tree, tree.leaves[c]) + "')";
      if (chunk.file_path.has_value()) {
        return error(column + ": column data in another file (" + Quoted(*chunk.file_path) +
                     ") is not supported");
      }
      if (!chunk.meta_data.has_value()) return error(column + ": meta_data is missing");
      const ColumnMetaData& md = *chunk.meta_data;
      if (md.type != *leaf.type) {
        return error(column + ": the column chunk has physical type " + TypeLabel(md.type) +
                     ", but the schema says " + TypeLabel(*leaf.type));
      }
      if (md.num_values < 0) {
        return error(column + ": num_values is negative (" + std::to_string(md.num_values) + ")");
      }
      // The chunk starts at its dictionary page when it has one before the data pages.
      int64_t start = md.data_page_offset;
      if (md.dictionary_page_offset.has_value() && *md.dictionary_page_offset > 0 &&
          *md.dictionary_page_offset < start) {
        start = *md.dictionary_page_offset;
      }
      if (!InDataRegion(start, md.total_compressed_size, metadata_offset)) {
        return error(column + ": column chunk bytes " + Range(start, md.total_compressed_size) +
                     " lie outside the data region [4, " + std::to_string(metadata_offset) + ")");
      }
      if (chunk.offset_index_offset.has_value()) {
        int64_t length = chunk.offset_index_length.value_or(-1);
        if (!InDataRegion(*chunk.offset_index_offset, length, metadata_offset)) {
          return error(column + ": offset index bytes " +
                       Range(*chunk.offset_index_offset, length) +
                       " lie outside the data region [4, " + std::to_string(metadata_offset) + ")");
        }
      }
      if (chunk.column_index_offset.has_value()) {
        int64_t length = chunk.column_index_length.value_or(-1);
        if (!InDataRegion(*chunk.column_index_offset, length, metadata_offset)) {
          return error(column + ": column index bytes " +
                       Range(*chunk.column_index_offset, length) +
                       " lie outside the data region [4, " + std::to_string(metadata_offset) + ")");
        }
      }
    }
  }
  return Status::OK();
}

Result<FileMetaData> ReadFooter(RandomAccessSource& source, std::string_view file_name,
                                const ReaderLimits& limits) {
  FooterError error(file_name);
  SLUICE_ASSIGN_OR_RETURN(uint64_t size, source.Size());
  if (size < kMinFileSize) {
    return error("file size " + std::to_string(size) +
                 " is too small for a Parquet file (at least 12 bytes: magic, footer length, "
                 "magic)");
  }
  std::string head;
  SLUICE_RETURN_IF_ERROR(source.ReadAt(0, kMagicSize, &head));
  if (head != kParquetMagic) {
    return error("not a Parquet file: it starts with " + Quoted(head) + ", not \"PAR1\"");
  }
  std::string tail;
  SLUICE_RETURN_IF_ERROR(source.ReadAt(size - kLengthSize - kMagicSize, 8, &tail));
  std::string_view trailing_magic = std::string_view(tail).substr(kLengthSize);
  if (trailing_magic == kParquetEncryptedMagic) {
    return error("the footer is encrypted (trailing magic \"PARE\"), which is not supported");
  }
  if (trailing_magic != kParquetMagic) {
    return error("the file does not end with \"PAR1\" but with " + Quoted(trailing_magic) +
                 " (truncated or still being written?)");
  }
  uint32_t footer_length = 0;
  for (int i = 0; i < 4; ++i) {
    footer_length |= static_cast<uint32_t>(static_cast<uint8_t>(tail[i])) << (8 * i);
  }
  if (footer_length > size - kMinFileSize) {
    std::string message = "footer length " + std::to_string(footer_length) +
                          " exceeds the file size " + std::to_string(size);
    if (footer_length <= size) {
      message += " less its 12 bytes of magic and length";
    }
    return error(message);
  }
  if (footer_length > limits.max_footer_bytes) {
    return error("footer length " + std::to_string(footer_length) + " exceeds the limit of " +
                 std::to_string(limits.max_footer_bytes) + " bytes");
  }
  uint64_t metadata_offset = size - kLengthSize - kMagicSize - footer_length;
  std::string footer;
  SLUICE_RETURN_IF_ERROR(source.ReadAt(metadata_offset, footer_length, &footer));
  Result<FileMetaData> metadata = ParseFileMetaData(footer, limits);
  if (!metadata.ok()) {
    return error("the footer metadata (" + std::to_string(footer_length) + " bytes at " +
                 std::to_string(metadata_offset) + ") is corrupt: " + metadata.status().message());
  }
  SLUICE_RETURN_IF_ERROR(ValidateFileMetaData(*metadata, metadata_offset, file_name));
  return metadata;
}

std::string SerializeFooter(const FileMetaData& metadata) {
  std::string out = SerializeFileMetaData(metadata);
  auto length = static_cast<uint32_t>(out.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((length >> (8 * i)) & 0xFF));
  out += kParquetMagic;
  return out;
}

}  // namespace sluice::parquet
