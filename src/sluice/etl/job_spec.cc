#include "sluice/etl/job_spec.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace sluice::etl {
namespace {

// Walks a YAML document, checking kinds and collecting the first error with its position.
class SpecReader {
 public:
  explicit SpecReader(std::string_view source) : source_(source) {}

  Status Error(const YAML::Node& node, const std::string& path, const std::string& what) const {
    std::string where(source_);
    if (node.IsDefined() && node.Mark().line >= 0) {
      where +=
          ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
    }
    return Status::InvalidArgument(where + ": " + path + ": " + what);
  }

  // Fails on keys of `map` outside `allowed`.
  Status CheckKeys(const YAML::Node& map, const std::string& path,
                   std::initializer_list<std::string_view> allowed) const {
    if (!map.IsMap()) return Error(map, path, "expected a mapping");
    for (const auto& kv : map) {
      std::string key = kv.first.Scalar();
      bool known = false;
      std::string list;
      for (std::string_view a : allowed) {
        known |= (a == key);
        if (!list.empty()) list += ", ";
        list += a;
      }
      if (!known) {
        return Error(kv.first, path.empty() ? key : path + "." + key,
                     "unknown field; expected one of " + list);
      }
    }
    return Status::OK();
  }

  Result<std::string> String(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) return Error(node, path, "expected a string");
    return node.Scalar();
  }

  Result<bool> Bool(const YAML::Node& node, const std::string& path) const {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      if (s == "true" || s == "True" || s == "yes") return true;
      if (s == "false" || s == "False" || s == "no") return false;
    }
    return Error(node, path, "expected true or false");
  }

  Result<int64_t> Int(const YAML::Node& node, const std::string& path, int64_t min,
                      int64_t max) const {
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      char* end = nullptr;
      errno = 0;
      long long v = std::strtoll(s.c_str(), &end, 10);
      if (!s.empty() && *end == '\0' && errno == 0 && v >= min && v <= max) return v;
    }
    return Error(node, path,
                 "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }

  // A single character (YAML escapes such as "\t" give the tab).
  Result<char> Char(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar() || node.Scalar().size() != 1) {
      return Error(node, path, "expected a single character");
    }
    return node.Scalar()[0];
  }

  // A string or a list of strings.
  Result<std::vector<std::string>> Names(const YAML::Node& node, const std::string& path) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
      return out;
    }
    if (!node.IsSequence()) return Error(node, path, "expected a name or a list of names");
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        return Error(node[i], path + "[" + std::to_string(i) + "]", "expected a string");
      }
      out.push_back(node[i].Scalar());
    }
    return out;
  }

  Status ReadCsv(const YAML::Node& node, const std::string& path, CsvDialect* csv) const {
    SLUICE_RETURN_IF_ERROR(CheckKeys(
        node, path,
        {"delimiter", "quote", "escape", "header", "columns", "comment_prefix", "null_strings",
         "encoding", "max_field_bytes", "max_record_bytes", "max_fields"}));
    for (const auto& kv : node) {
      std::string key = kv.first.Scalar();
      std::string p = path + "." + key;
      const YAML::Node& v = kv.second;
      if (key == "delimiter") {
        SLUICE_ASSIGN_OR_RETURN(csv->delimiter, Char(v, p));
      } else if (key == "quote") {
        SLUICE_ASSIGN_OR_RETURN(csv->quote, Char(v, p));
      } else if (key == "escape") {
        if (v.IsNull()) {
          csv->escape.reset();
        } else {
          SLUICE_ASSIGN_OR_RETURN(char c, Char(v, p));
          csv->escape = c;
        }
      } else if (key == "header") {
        SLUICE_ASSIGN_OR_RETURN(csv->header, Bool(v, p));
      } else if (key == "columns") {
        SLUICE_ASSIGN_OR_RETURN(csv->columns, Names(v, p));
      } else if (key == "comment_prefix") {
        SLUICE_ASSIGN_OR_RETURN(csv->comment_prefix, String(v, p));
      } else if (key == "null_strings") {
        SLUICE_ASSIGN_OR_RETURN(csv->null_strings, Names(v, p));
      } else if (key == "encoding") {
        SLUICE_ASSIGN_OR_RETURN(std::string e, String(v, p));
        if (e == "utf-8" || e == "UTF-8" || e == "utf8") {
          csv->encoding = CsvDialect::Encoding::kUtf8;
        } else if (e == "latin-1" || e == "latin1" || e == "ISO-8859-1" || e == "iso-8859-1") {
          csv->encoding = CsvDialect::Encoding::kLatin1;
        } else {
          return Error(v, p, "expected utf-8 or latin-1, got \"" + e + "\"");
        }
      } else if (key == "max_field_bytes") {
        SLUICE_ASSIGN_OR_RETURN(int64_t n, Int(v, p, 1, int64_t{1} << 30));
        csv->max_field_bytes = static_cast<size_t>(n);
      } else if (key == "max_record_bytes") {
        SLUICE_ASSIGN_OR_RETURN(int64_t n, Int(v, p, 1, int64_t{1} << 30));
        csv->max_record_bytes = static_cast<size_t>(n);
      } else if (key == "max_fields") {
        SLUICE_ASSIGN_OR_RETURN(int64_t n, Int(v, p, 1, 1 << 20));
        csv->max_fields = static_cast<size_t>(n);
      }
    }
    Status st = csv->Validate();
    if (!st.ok()) return Error(node, path, st.message());
    return Status::OK();
  }

  Status ReadSource(const YAML::Node& node, JobSpec* spec) const {
    SLUICE_RETURN_IF_ERROR(CheckKeys(node, "source", {"format", "compression", "csv", "jsonl"}));
    if (!node["format"]) return Error(node, "source.format", "required (csv, jsonl or parquet)");
    SLUICE_ASSIGN_OR_RETURN(std::string format, String(node["format"], "source.format"));
    if (format == "csv") {
      spec->format = SourceFormat::kCsv;
    } else if (format == "jsonl" || format == "json") {
      spec->format = SourceFormat::kJsonl;
    } else if (format == "parquet") {
      spec->format = SourceFormat::kParquet;
    } else {
      return Error(node["format"], "source.format",
                   "expected csv, jsonl or parquet, got \"" + format + "\"");
    }
    if (node["compression"]) {
      SLUICE_ASSIGN_OR_RETURN(spec->compression, String(node["compression"], "source.compression"));
      static const std::set<std::string> kAllowed = {"auto", "none", "gzip", "zstd"};
      if (!kAllowed.count(spec->compression)) {
        return Error(node["compression"], "source.compression",
                     "expected auto, none, gzip or zstd, got \"" + spec->compression + "\"");
      }
    }
    if (node["csv"]) {
      if (spec->format != SourceFormat::kCsv) {
        return Error(node["csv"], "source.csv", "only allowed with format csv");
      }
      SLUICE_RETURN_IF_ERROR(ReadCsv(node["csv"], "source.csv", &spec->csv));
    }
    if (node["jsonl"]) {
      if (spec->format != SourceFormat::kJsonl) {
        return Error(node["jsonl"], "source.jsonl", "only allowed with format jsonl");
      }
      SLUICE_RETURN_IF_ERROR(CheckKeys(node["jsonl"], "source.jsonl", {"paths"}));
      if (node["jsonl"]["paths"]) {
        SLUICE_ASSIGN_OR_RETURN(spec->jsonl_paths,
                                Names(node["jsonl"]["paths"], "source.jsonl.paths"));
      }
    }
    return Status::OK();
  }

  Status ReadMapping(const YAML::Node& node, JobSpec* spec) const {
    if (!node.IsSequence()) return Error(node, "mapping", "expected a list of mappings");
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node& e = node[i];
      std::string p = "mapping[" + std::to_string(i) + "]";
      ColumnMapping m;
      m.line = e.Mark().line + 1;
      if (e.IsSequence()) {
        // Glue's ApplyMapping tuple: [source, source type, target, target type].
        if (e.size() != 4) {
          return Error(e, p, "expected [source, source_type, target, target_type]");
        }
        for (size_t k = 0; k < 4; ++k) {
          if (!e[k].IsScalar())
            return Error(e[k], p + "[" + std::to_string(k) + "]", "expected a string");
        }
        m.source = e[0].Scalar();
        m.source_type = e[1].Scalar();
        m.target = e[2].Scalar();
        m.type = e[3].Scalar();
      } else if (e.IsMap()) {
        SLUICE_RETURN_IF_ERROR(CheckKeys(
            e, p, {"source", "source_type", "target", "type", "format", "nullable", "trim"}));
        if (!e["source"] && !e["target"]) return Error(e, p, "needs source or target");
        if (!e["type"]) return Error(e, p + ".type", "required (the target type)");
        if (e["source"]) {
          SLUICE_ASSIGN_OR_RETURN(m.source, String(e["source"], p + ".source"));
        }
        if (e["target"]) {
          SLUICE_ASSIGN_OR_RETURN(m.target, String(e["target"], p + ".target"));
        }
        if (m.source.empty()) m.source = m.target;
        if (m.target.empty()) m.target = m.source;
        SLUICE_ASSIGN_OR_RETURN(m.type, String(e["type"], p + ".type"));
        if (e["source_type"]) {
          SLUICE_ASSIGN_OR_RETURN(m.source_type, String(e["source_type"], p + ".source_type"));
        }
        if (e["format"]) {
          SLUICE_ASSIGN_OR_RETURN(m.format, String(e["format"], p + ".format"));
        }
        if (e["nullable"]) {
          SLUICE_ASSIGN_OR_RETURN(m.nullable, Bool(e["nullable"], p + ".nullable"));
        }
        if (e["trim"]) {
          SLUICE_ASSIGN_OR_RETURN(m.trim, Bool(e["trim"], p + ".trim"));
        }
      } else {
        return Error(e, p, "expected [source, source_type, target, target_type] or a mapping");
      }
      if (m.source.empty() || m.target.empty()) return Error(e, p, "empty column name");
      for (const ColumnMapping& other : spec->mapping) {
        if (other.target == m.target) {
          return Error(e, p + ".target", "column \"" + m.target + "\" is mapped twice");
        }
      }
      spec->mapping.push_back(std::move(m));
    }
    return Status::OK();
  }

  Status ReadDerived(const YAML::Node& node, JobSpec* spec) const {
    if (!node.IsSequence()) return Error(node, "derived", "expected a list");
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node& e = node[i];
      std::string p = "derived[" + std::to_string(i) + "]";
      SLUICE_RETURN_IF_ERROR(CheckKeys(e, p, {"name", "expression"}));
      if (!e["name"]) return Error(e, p + ".name", "required");
      if (!e["expression"]) return Error(e, p + ".expression", "required");
      DerivedColumn d;
      d.line = e.Mark().line + 1;
      SLUICE_ASSIGN_OR_RETURN(d.name, String(e["name"], p + ".name"));
      SLUICE_ASSIGN_OR_RETURN(d.expression, String(e["expression"], p + ".expression"));
      spec->derived.push_back(std::move(d));
    }
    return Status::OK();
  }

  Status ReadOutput(const YAML::Node& node, JobSpec* spec) const {
    SLUICE_RETURN_IF_ERROR(CheckKeys(
        node, "output", {"codec", "compression_level", "row_group_rows", "row_group_bytes",
                         "bronze_compression_level"}));
    OutputSpec& o = spec->output;
    if (node["codec"]) {
      SLUICE_ASSIGN_OR_RETURN(o.codec, String(node["codec"], "output.codec"));
      static const std::set<std::string> kCodecs = {"none", "snappy", "gzip", "zstd"};
      if (!kCodecs.count(o.codec)) {
        return Error(node["codec"], "output.codec",
                     "expected none, snappy, gzip or zstd, got \"" + o.codec + "\"");
      }
    }
    if (node["compression_level"]) {
      SLUICE_ASSIGN_OR_RETURN(int64_t v,
                              Int(node["compression_level"], "output.compression_level", 0, 22));
      o.compression_level = static_cast<int>(v);
    }
    if (node["bronze_compression_level"]) {
      SLUICE_ASSIGN_OR_RETURN(int64_t v, Int(node["bronze_compression_level"],
                                             "output.bronze_compression_level", -22, 19));
      o.bronze_compression_level = static_cast<int>(v);
    }
    if (node["row_group_rows"]) {
      SLUICE_ASSIGN_OR_RETURN(o.row_group_rows, Int(node["row_group_rows"], "output.row_group_rows",
                                                    1, int64_t{1} << 31));
    }
    if (node["row_group_bytes"]) {
      SLUICE_ASSIGN_OR_RETURN(
          o.row_group_bytes,
          Int(node["row_group_bytes"], "output.row_group_bytes", 1 << 16, int64_t{1} << 31));
    }
    return Status::OK();
  }

  Status ReadDocument(const YAML::Node& root, JobSpec* spec) const {
    if (!root.IsMap()) return Error(root, "(document)", "expected a mapping of job fields");
    SLUICE_RETURN_IF_ERROR(
        CheckKeys(root, "",
                  {"name", "dataset", "description", "source", "mapping", "derived", "rules",
                   "dedupe", "partition_by", "output", "evolution", "bookmark", "warehouse"}));
    if (!root["name"]) return Error(root, "name", "required (the job's name)");
    SLUICE_ASSIGN_OR_RETURN(spec->name, String(root["name"], "name"));
    if (!ValidName(spec->name)) {
      return Error(root["name"], "name",
                   "expected letters, digits, '_' or '-' (1 to 128), got \"" + spec->name + "\"");
    }
    spec->dataset = spec->name;
    if (root["dataset"]) {
      SLUICE_ASSIGN_OR_RETURN(spec->dataset, String(root["dataset"], "dataset"));
      if (!ValidName(spec->dataset)) {
        return Error(
            root["dataset"], "dataset",
            "expected letters, digits, '_' or '-' (1 to 128), got \"" + spec->dataset + "\"");
      }
    }
    if (root["description"]) {
      SLUICE_ASSIGN_OR_RETURN(spec->description, String(root["description"], "description"));
    }
    if (!root["source"]) return Error(root, "source", "required (at least source.format)");
    SLUICE_RETURN_IF_ERROR(ReadSource(root["source"], spec));
    if (root["mapping"]) SLUICE_RETURN_IF_ERROR(ReadMapping(root["mapping"], spec));
    if (root["derived"]) SLUICE_RETURN_IF_ERROR(ReadDerived(root["derived"], spec));
    if (root["rules"]) {
      SLUICE_ASSIGN_OR_RETURN(spec->rules, String(root["rules"], "rules"));
      spec->rules_line = root["rules"].Mark().line + 1;
    }
    if (root["dedupe"]) {
      const YAML::Node& d = root["dedupe"];
      SLUICE_RETURN_IF_ERROR(CheckKeys(d, "dedupe", {"key", "order_by"}));
      if (!d["key"]) return Error(d, "dedupe.key", "required (the key columns)");
      SLUICE_ASSIGN_OR_RETURN(spec->dedupe.key, Names(d["key"], "dedupe.key"));
      if (spec->dedupe.key.empty())
        return Error(d["key"], "dedupe.key", "expected at least one column");
      if (d["order_by"]) {
        SLUICE_ASSIGN_OR_RETURN(spec->dedupe.order_by, String(d["order_by"], "dedupe.order_by"));
      }
    }
    if (root["partition_by"]) {
      SLUICE_ASSIGN_OR_RETURN(spec->partition_by, Names(root["partition_by"], "partition_by"));
    }
    if (root["output"]) SLUICE_RETURN_IF_ERROR(ReadOutput(root["output"], spec));
    if (root["evolution"]) {
      SLUICE_ASSIGN_OR_RETURN(spec->evolution, String(root["evolution"], "evolution"));
      if (spec->evolution != "additive" && spec->evolution != "strict") {
        return Error(root["evolution"], "evolution",
                     "expected additive or strict, got \"" + spec->evolution + "\"");
      }
    }
    if (root["bookmark"]) {
      SLUICE_ASSIGN_OR_RETURN(spec->bookmark, Bool(root["bookmark"], "bookmark"));
    }
    if (root["warehouse"]) {
      const YAML::Node& w = root["warehouse"];
      SLUICE_RETURN_IF_ERROR(CheckKeys(w, "warehouse", {"table", "mode"}));
      WarehouseTarget target;
      if (!w["table"]) return Error(w, "warehouse.table", "required (e.g. silver.orders)");
      SLUICE_ASSIGN_OR_RETURN(target.table, String(w["table"], "warehouse.table"));
      if (w["mode"]) {
        SLUICE_ASSIGN_OR_RETURN(target.mode, String(w["mode"], "warehouse.mode"));
        if (target.mode != "replace_source" && target.mode != "merge") {
          return Error(w["mode"], "warehouse.mode",
                       "expected replace_source or merge, got \"" + target.mode + "\"");
        }
      }
      spec->warehouse = std::move(target);
    }
    return Status::OK();
  }

  static bool ValidName(const std::string& name) {
    if (name.empty() || name.size() > 128) return false;
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
    }
    return true;
  }

 private:
  std::string_view source_;
};

}  // namespace

std::string_view SourceFormatName(SourceFormat format) {
  switch (format) {
    case SourceFormat::kCsv:
      return "csv";
    case SourceFormat::kJsonl:
      return "jsonl";
    case SourceFormat::kParquet:
      return "parquet";
  }
  return "?";
}

Result<JobSpec> ParseJobSpec(std::string_view yaml, std::string_view source) {
  JobSpec spec;
  spec.path = std::string(source);
  SpecReader reader(source);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    SLUICE_RETURN_IF_ERROR(reader.ReadDocument(root, &spec));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string(source) + ":" + std::to_string(e.mark.line + 1) +
                                   ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return spec;
}

Result<JobSpec> LoadJobSpec(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read job spec " + path);
  std::stringstream text;
  text << in.rdbuf();
  return ParseJobSpec(text.str(), path);
}

}  // namespace sluice::etl
