// Model files: the SQL, its header or sidecar configuration, and the tables it reads.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <set>

#include "sluice/common/file_util.h"
#include "sluice/common/hash.h"
#include "sluice/warehouse/model_graph_internal.h"
#include "sluice/warehouse/models.h"
#include "sluice/warehouse/sql_refs_internal.h"

namespace sluice::warehouse {
namespace {

constexpr std::string_view kTempSuffix = "__sluice_new";
constexpr std::array<std::string_view, 5> kKeys = {"materialized", "partition_by", "unique_key",
                                                   "description", "tests"};

std::string KeyList() {
  std::string out;
  for (std::string_view k : kKeys) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

// Reads the configuration mapping, naming positions in the file it came from. A header's
// YAML is the comment block with its `-- ` prefixes removed: `column_offsets` holds, per
// line, how many characters were removed, so columns point into the .sql file.
class ConfigReader {
 public:
  ConfigReader(std::string file, std::vector<int> column_offsets)
      : file_(std::move(file)), column_offsets_(std::move(column_offsets)) {}

  Status Error(const YAML::Node& node, const std::string& field, const std::string& what) const {
    return Status::InvalidArgument(Where(node.IsDefined() ? node.Mark() : YAML::Mark::null_mark()) +
                                   ": " + field + ": " + what);
  }

  std::string Where(const YAML::Mark& mark) const {
    if (mark.line < 0) return file_;
    int offset = static_cast<size_t>(mark.line) < column_offsets_.size()
                     ? column_offsets_[static_cast<size_t>(mark.line)]
                     : 0;
    return file_ + ":" + std::to_string(mark.line + 1) + ":" +
           std::to_string(mark.column + 1 + offset);
  }

  Result<std::string> Scalar(const YAML::Node& node, const std::string& field,
                             std::string_view expected) const {
    if (!node.IsScalar()) return Error(node, field, "expected " + std::string(expected));
    return node.Scalar();
  }

  Result<std::vector<std::string>> Columns(const YAML::Node& node, const std::string& field) const {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
    } else if (node.IsSequence() && node.size() > 0) {
      for (size_t i = 0; i < node.size(); ++i) {
        SLUICE_ASSIGN_OR_RETURN(
            std::string column,
            Scalar(node[i], field + "[" + std::to_string(i) + "]", "a column name"));
        out.push_back(std::move(column));
      }
    } else {
      return Error(node, field, "expected a column name or a list of column names");
    }
    return out;
  }

  Status Read(const YAML::Node& root, Model* model) const {
    if (root.IsNull()) return Status::OK();
    if (!root.IsMap()) return Error(root, "(config)", "expected a mapping of " + KeyList());
    for (const auto& kv : root) {
      std::string key = kv.first.Scalar();
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
        return Error(kv.first, key, "unknown key; expected one of " + KeyList());
      }
    }
    if (root["materialized"]) {
      const YAML::Node& node = root["materialized"];
      SLUICE_ASSIGN_OR_RETURN(std::string m,
                              Scalar(node, "materialized", "table, incremental or view"));
      if (m == "table") {
        model->materialized = Materialization::kTable;
      } else if (m == "incremental") {
        model->materialized = Materialization::kIncremental;
      } else if (m == "view") {
        model->materialized = Materialization::kView;
      } else {
        return Error(node, "materialized",
                     "expected table, incremental or view, got \"" + m + "\"");
      }
    }
    if (root["partition_by"]) {
      SLUICE_ASSIGN_OR_RETURN(model->partition_by,
                              Scalar(root["partition_by"], "partition_by", "one column name"));
    }
    if (model->materialized == Materialization::kIncremental && model->partition_by.empty()) {
      return Error(root, "partition_by", "required for materialized: incremental (a column name)");
    }
    if (root["unique_key"]) {
      SLUICE_ASSIGN_OR_RETURN(model->unique_key, Columns(root["unique_key"], "unique_key"));
    }
    if (root["description"]) {
      SLUICE_ASSIGN_OR_RETURN(model->description,
                              Scalar(root["description"], "description", "a string"));
    }
    if (root["tests"]) SLUICE_RETURN_IF_ERROR(ReadTests(root["tests"], model));
    return Status::OK();
  }

 private:
  Status ReadTests(const YAML::Node& tests, Model* model) const {
    if (!tests.IsMap()) return Error(tests, "tests", "expected a mapping of column: [tests]");
    for (const auto& kv : tests) {
      std::string column = kv.first.Scalar();
      std::string field = "tests." + column;
      const YAML::Node& list = kv.second;
      if (!list.IsSequence()) {
        return Error(list, field,
                     "expected a list of not_null, unique, accepted_values, relationships");
      }
      for (size_t i = 0; i < list.size(); ++i) {
        SLUICE_ASSIGN_OR_RETURN(ColumnTest test,
                                ReadTest(list[i], column, field + "[" + std::to_string(i) + "]"));
        model->tests.push_back(std::move(test));
      }
    }
    return Status::OK();
  }

  Result<ColumnTest> ReadTest(const YAML::Node& node, const std::string& column,
                              const std::string& field) const {
    ColumnTest test;
    test.columns = {column};
    test.line = node.Mark().line + 1;
    constexpr std::string_view kExpected =
        "expected not_null, unique, {accepted_values: [values]} or "
        "{relationships: {to: LAYER.TABLE, field: COLUMN}}";
    if (node.IsScalar()) {
      if (node.Scalar() == "not_null") {
        test.kind = ColumnTest::Kind::kNotNull;
      } else if (node.Scalar() == "unique") {
        test.kind = ColumnTest::Kind::kUnique;
      } else {
        return Error(node, field, std::string(kExpected) + ", got \"" + node.Scalar() + "\"");
      }
      return test;
    }
    if (!node.IsMap() || node.size() != 1) return Error(node, field, std::string(kExpected));
    std::string kind = node.begin()->first.Scalar();
    // A copy: the iterator begin() returns (and the pair it points into) dies here.
    YAML::Node arg = node.begin()->second;
    if (kind == "accepted_values") {
      test.kind = ColumnTest::Kind::kAcceptedValues;
      // dbt writes {accepted_values: {values: [..]}}; a plain list reads the same.
      YAML::Node values = arg.IsMap() && arg["values"] ? arg["values"] : arg;
      if (!values.IsSequence() || values.size() == 0) {
        return Error(arg, field + ".accepted_values", "expected a non-empty list of values");
      }
      for (size_t i = 0; i < values.size(); ++i) {
        SLUICE_ASSIGN_OR_RETURN(
            std::string v,
            Scalar(values[i], field + ".accepted_values[" + std::to_string(i) + "]", "a value"));
        test.values.push_back(std::move(v));
      }
      return test;
    }
    if (kind == "relationships") {
      test.kind = ColumnTest::Kind::kRelationships;
      std::string path = field + ".relationships";
      if (!arg.IsMap() || !arg["to"] || !arg["field"] || arg.size() != 2) {
        return Error(arg, path, "expected {to: LAYER.TABLE, field: COLUMN}");
      }
      SLUICE_ASSIGN_OR_RETURN(std::string to, Scalar(arg["to"], path + ".to", "LAYER.TABLE"));
      auto table = ParseTableName(to);
      if (!table.ok()) return Error(arg["to"], path + ".to", table.status().message());
      test.to = std::move(*table);
      SLUICE_ASSIGN_OR_RETURN(test.field, Scalar(arg["field"], path + ".field", "a column name"));
      return test;
    }
    return Error(node, field, std::string(kExpected) + ", got \"" + kind + "\"");
  }

  std::string file_;
  std::vector<int> column_offsets_;
};

// A header is configuration when its first line is `-- <known key>:`.
bool IsConfigHeader(std::string_view first_line) {
  std::string_view rest = first_line.substr(2);
  while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t')) rest.remove_prefix(1);
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view key = rest.substr(0, colon);
  return std::find(kKeys.begin(), kKeys.end(), key) != kKeys.end();
}

// The leading `--` lines of `sql` as YAML when they are configuration, else nullopt.
std::optional<std::string> HeaderYaml(std::string_view sql, std::vector<int>* column_offsets) {
  std::string yaml;
  size_t pos = 0;
  bool first = true;
  while (pos < sql.size()) {
    size_t end = sql.find('\n', pos);
    std::string_view line =
        sql.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.starts_with("--")) break;
    if (first && !IsConfigHeader(line)) return std::nullopt;
    first = false;
    size_t strip = line.size() > 2 && line[2] == ' ' ? 3 : 2;
    yaml += std::string(line.substr(strip)) + "\n";
    column_offsets->push_back(static_cast<int>(strip));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  if (first) return std::nullopt;
  return yaml;
}

Status ReadConfig(const std::string& file, const std::string& yaml, std::vector<int> offsets,
                  Model* model) {
  ConfigReader reader(file, std::move(offsets));
  try {
    SLUICE_RETURN_IF_ERROR(reader.Read(YAML::Load(yaml), model));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(reader.Where(e.mark) + ": invalid YAML: " + e.msg);
  }
  return Status::OK();
}

bool IsModelName(std::string_view name) {
  if (name.empty() || name.size() + kTempSuffix.size() > 63) return false;
  if (name.starts_with("_sluice")) return false;  // bookkeeping tables' prefix
  auto lower = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
  if (!lower(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return lower(c) || (c >= '0' && c <= '9'); });
}

// Over the SQL's tokens (comments, the header among them, and layout do not count) and the
// configuration that shapes the table.
std::string ModelHash(const Model& model) {
  std::string text = SqlTokensText(model.sql).value_or(model.sql);
  text += "\n-- sluice: materialized=" + std::string(MaterializationName(model.materialized));
  text += " partition_by=" + model.partition_by + " unique_key=";
  for (const std::string& k : model.unique_key) text += k + ",";
  return common::Sha256Hex(text);
}

std::string StatusAt(const std::string& path, const Status& status) {
  // Tokenizer messages start with "line N: "; make them "FILE:N: ".
  const std::string& m = status.message();
  if (m.starts_with("line ")) return path + ":" + m.substr(5);
  return path + ": " + m;
}

}  // namespace

std::string_view MaterializationName(Materialization m) {
  switch (m) {
    case Materialization::kTable:
      return "table";
    case Materialization::kIncremental:
      return "incremental";
    case Materialization::kView:
      return "view";
  }
  return "?";
}

std::string ColumnTest::Name() const {
  std::string cols;
  for (const std::string& c : columns) cols += (cols.empty() ? "" : ", ") + c;
  switch (kind) {
    case Kind::kNotNull:
      return "not_null(" + cols + ")";
    case Kind::kUnique:
      return "unique(" + cols + ")";
    case Kind::kAcceptedValues:
      return "accepted_values(" + cols + ")";
    case Kind::kRelationships:
      return "relationships(" + cols + " → " + to.ToString() + "." + field + ")";
    case Kind::kUniqueKey:
      return "unique_key(" + cols + ")";
  }
  return "?";
}

Result<Model> ParseModel(const std::string& sql_path, std::string_view sql_text,
                         const std::string& sidecar_path, std::optional<std::string_view> sidecar) {
  Model model;
  model.path = sql_path;
  model.name = std::filesystem::path(sql_path).stem().string();
  if (!IsModelName(model.name)) {
    return Status::InvalidArgument(
        sql_path + ": model name \"" + model.name +
        "\" (the file's name): expected lower-case letters, digits and _, starting with a letter "
        "or _ (not _sluice), at most " +
        std::to_string(63 - kTempSuffix.size()) + " characters");
  }
  std::vector<int> offsets;
  std::optional<std::string> header = HeaderYaml(sql_text, &offsets);
  if (header && sidecar) {
    return Status::InvalidArgument(sql_path + ":1: configuration in both the header and " +
                                   sidecar_path + "; keep one");
  }
  if (header) {
    model.config_path = sql_path;
    SLUICE_RETURN_IF_ERROR(ReadConfig(sql_path, *header, std::move(offsets), &model));
  } else if (sidecar) {
    model.config_path = sidecar_path;
    SLUICE_RETURN_IF_ERROR(ReadConfig(sidecar_path, std::string(*sidecar), {}, &model));
  }
  if (!model.partition_by.empty() && model.materialized != Materialization::kIncremental) {
    return Status::InvalidArgument(model.config_path +
                                   ": partition_by: only used with materialized: incremental");
  }
  if (!model.unique_key.empty()) {
    ColumnTest key;
    key.kind = ColumnTest::Kind::kUniqueKey;
    key.columns = model.unique_key;
    model.tests.push_back(std::move(key));
  }

  auto sql = SingleStatement(sql_text);
  if (!sql.ok()) return Status::InvalidArgument(StatusAt(sql_path, sql.status()));
  model.sql = std::move(*sql);
  auto refs = FindTableRefs(model.sql);
  if (!refs.ok()) return Status::InvalidArgument(StatusAt(sql_path, refs.status()));
  std::set<TableName> reads;
  for (const SqlTableRef& ref : *refs) reads.insert(ref.table);
  for (const ColumnTest& test : model.tests) {
    if (test.kind == ColumnTest::Kind::kRelationships && test.to != model.table()) {
      reads.insert(test.to);
    }
  }
  model.reads.assign(reads.begin(), reads.end());
  model.hash = ModelHash(model);
  return model;
}

Result<std::vector<Model>> LoadModels(const std::string& folder) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    return Status::NotFound("models folder " + folder + " does not exist");
  }
  std::set<std::string> sql_files, yaml_files;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (!entry.is_regular_file()) continue;
    std::string ext = entry.path().extension().string();
    if (ext == ".sql") sql_files.insert(entry.path().stem().string());
    if (ext == ".yaml" || ext == ".yml") yaml_files.insert(entry.path().filename().string());
  }
  if (ec) return Status::IOError("listing " + folder + ": " + ec.message());
  for (const std::string& yaml : yaml_files) {
    std::string stem = std::filesystem::path(yaml).stem().string();
    if (!sql_files.count(stem)) {
      return Status::InvalidArgument(folder + "/" + yaml + ": a model configuration without " +
                                     stem + ".sql");
    }
    if (yaml_files.count(stem + ".yaml") && yaml_files.count(stem + ".yml")) {
      return Status::InvalidArgument(folder + "/" + stem + ".yml: " + stem +
                                     ".yaml configures the same model; keep one");
    }
  }
  std::vector<Model> models;
  for (const std::string& stem : sql_files) {
    std::string path = folder + "/" + stem + ".sql";
    SLUICE_ASSIGN_OR_RETURN(std::string sql, common::ReadFileToString(path));
    std::optional<std::string> sidecar;
    std::string sidecar_path;
    for (std::string_view ext : {".yaml", ".yml"}) {
      if (yaml_files.count(stem + std::string(ext))) {
        sidecar_path = folder + "/" + stem + std::string(ext);
        SLUICE_ASSIGN_OR_RETURN(sidecar, common::ReadFileToString(sidecar_path));
      }
    }
    SLUICE_ASSIGN_OR_RETURN(
        Model model,
        ParseModel(path, sql, sidecar_path,
                   sidecar ? std::optional<std::string_view>(*sidecar) : std::nullopt));
    models.push_back(std::move(model));
  }
  SLUICE_RETURN_IF_ERROR(ModelGraph::Make(models).status());
  return models;
}

}  // namespace sluice::warehouse
