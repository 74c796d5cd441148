#pragma once

// Schema evolution of ETL datasets: how a dataset's schema changes to accept the data of a
// new run, and how batches written under an older schema are read under the newer one.
//
// A dataset has one current schema (kept by the registry, schema_registry.h). A run brings
// data with its own schema, `incoming`; Evolve decides, under the dataset's policy, the
// schema the dataset has after the run (the current one, or a wider one with the list of
// changes) or refuses with a readable diff. Columns are always matched by name. Partitions
// written under an older schema stay as they are; ConformBatch makes their batches look as
// if written under the newer schema (missing columns null, values widened).
//
// Only the types of the JSON form are dataset types: bool, int8, int16, int32, int64, float,
// double, decimal(p,s), string, date, timestamp (microseconds, UTC), json, and lists and
// structs of them. docs/schemas.md documents the JSON form and the rules.
//
// Everything here is a pure function of its arguments: thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::etl {

// The name of a type in the JSON form and in every message here: "int64", "decimal(10,2)",
// "timestamp", "list<string>", "struct<city: string, zip: int32>". A type outside the dataset
// types gets DataType::ToString() ("uint32", "timestamp[ms, UTC]").
std::string DatasetTypeName(const parquet::DataType& type);

// The JSON form of a schema, compact, fields in order:
//   {"fields":[{"name":"order_id","type":"string","nullable":false},
//              {"name":"amount","type":"decimal(10,2)","nullable":true},
//              {"name":"tags","type":{"list":{"name":"element","type":"string",
//                                             "nullable":true}},"nullable":true},
//              {"name":"address","type":{"struct":[{"name":"city","type":"string",
//                                                   "nullable":true}]},"nullable":true}]}
// A type outside the dataset types is written as its DatasetTypeName ("uint32"), which
// SchemaFromJson rejects; ValidateDatasetSchema tells beforehand.
std::string SchemaToJson(const parquet::Schema& schema);

// Parses the JSON form. "nullable" may be left out (true). InvalidArgument naming the JSON
// path ("$.fields[2].type") and what was expected on anything else: invalid JSON, unknown
// keys or type names, decimal precision outside 1..38 or scale outside 0..precision,
// duplicate or empty column names.
Result<parquet::Schema> SchemaFromJson(std::string_view json);

// OK when every column has a non-empty name unique among its siblings and a dataset type
// (see the header comment). InvalidArgument naming the column otherwise:
//   "column code: type uint32 is not a dataset type (bool, int8, ...)".
Status ValidateDatasetSchema(const parquet::Schema& schema);

enum class EvolutionPolicy {
  kAdditive,  // new columns, widened types and relaxed nullability are accepted
  kStrict,    // the incoming data must have the dataset's columns and types exactly
};

// "additive" or "strict"; InvalidArgument naming the text otherwise.
Result<EvolutionPolicy> ParseEvolutionPolicy(std::string_view text);
// "additive" or "strict".
std::string_view EvolutionPolicyName(EvolutionPolicy policy);

// One change Evolve made to a dataset's schema.
struct SchemaChange {
  enum class Kind {
    kAddColumn,         // `to` is the type; the column is always added nullable
    kWidenType,         // `from` and `to` are types
    kRelaxNullability,  // `from` is "not null", `to` is "nullable"
  };
  Kind kind = Kind::kAddColumn;
  std::string column;
  std::string from;
  std::string to;

  // "add column discount: decimal(10,2) (nullable)", "widen quantity: int32 -> int64",
  // "relax order_id: not null -> nullable".
  std::string ToString() const;
  friend bool operator==(const SchemaChange&, const SchemaChange&) = default;
};

struct Evolution {
  parquet::Schema schema;             // the dataset's schema after the run
  std::vector<SchemaChange> changes;  // empty: the schema stays as it is
};

// The schema dataset `dataset` (named in messages only) has after accepting data of schema
// `incoming`, given its `current` schema. For a dataset without a schema yet, register
// `incoming` itself instead.
//
// kAdditive: a column only in `incoming` is appended, nullable (kAddColumn); a column only in
// `current` stays (the run writes nulls) and becomes nullable if it was not (kRelaxNullability);
// a column in both gets the narrowest type both types widen to (kWidenType when that is not
// the current type) and becomes nullable when `incoming` is (kRelaxNullability). Widening:
// int8 → int16 → int32 → int64; any int or float → double; date → timestamp; intN as
// decimal(d,0) with d = 3, 5, 10, 19; decimal(p,s) with decimal(p',s') → decimal(max integer
// digits + max scale, max scale), at most 38 digits. So int32 with float is double, and
// decimal(10,2) with int64 is decimal(21,2).
// kStrict: `incoming` must have the same column names with the same types; only a column
// that is nullable in `current` may be not null in `incoming`. Changes are always empty.
//
// FailedPrecondition when the data cannot be accepted, listing every difference:
//   schema of dataset orders is incompatible with the incoming data (policy additive):
//     quantity: int64 -> string (no widening from int64 to string)
//     + discount: decimal(10,2)
// InvalidArgument when a schema fails ValidateDatasetSchema.
Result<Evolution> Evolve(const parquet::Schema& current, const parquet::Schema& incoming,
                         EvolutionPolicy policy, std::string_view dataset);

// A line per column, for `sluice schemas diff`: the columns of `a` in order, then those only
// in `b` in b's order:
//   "  name: type"        the same in both
//   "- name: type"        only in a
//   "+ name: type"        only in b
//   "~ name: ta -> tb"    type or nullability differs
// A type is written as its DatasetTypeName followed by " not null" for a NOT NULL column.
// Every line ends with '\n'.
std::string SchemaDiff(const parquet::Schema& a, const parquet::Schema& b);

// `batch`, written under an older or narrower schema, as it reads under `target`: columns
// matched by name and put in target's order, columns missing from the batch filled with nulls,
// values of a narrower type converted (ints widened, ints and floats to double, ints and
// decimals to a decimal of a larger scale (unscaled × 10^(s'-s)) moving to 16-byte storage
// above 18 digits, dates to timestamps at midnight UTC). InvalidArgument naming the column
// when the batch is invalid, a column's type does not widen to the target's, a NOT NULL
// target column is missing or holds nulls, a decimal value exceeds its precision, or the
// batch has a column the target lacks.
Result<parquet::RecordBatch> ConformBatch(const parquet::RecordBatch& batch,
                                          const parquet::Schema& target);

}  // namespace sluice::etl
