#pragma once

// The mapping between sluice's table schema (record_batch.h: Fields with DataTypes) and the
// Parquet schema (metadata.h: the depth-first list of SchemaElements that a file's footer
// holds), in both directions.
//
// ToParquetSchema follows LogicalTypes.md: each sluice type gets its physical type, its
// LogicalType and, where the specification asks writers to keep old readers working, its
// ConvertedType; lists use the standard 3-level form
//   <optional|required> group <name> (LIST) { repeated group list { <element> element } }
// and structs are groups. FromParquetSchema is its inverse and also accepts what other
// writers produce: ConvertedType-only annotations, the legacy 2-level and unannotated
// repeated-field list forms (LogicalTypes.md, "Backward-compatibility rules"), MAP (as
// list<struct<key, value>>), BYTE_ARRAY decimals and INT96 timestamps. The reader maps file
// schemas with it (column_reader_internal.h adds the levels). Stateless functions; thread-safe.

#include <string_view>
#include <vector>

#include "sluice/common/status.h"
#include "sluice/parquet/metadata.h"
#include "sluice/parquet/record_batch.h"

namespace sluice::parquet {

// The Parquet schema for `schema`: the root element ("schema", num_children = the field
// count) followed by every field depth-first. InvalidArgument naming the field (its dotted
// path) when a field cannot be written: an empty or duplicate name, a decimal precision
// outside 1..38 or a scale outside 0..precision, a fixed binary length that is not positive,
// a list without exactly one element field, a struct without fields, or an empty schema.
Result<std::vector<SchemaElement>> ToParquetSchema(const Schema& schema);

// The sluice schema of a file whose footer holds `elements` (root first). Errors name
// `file_name` and the column's dotted path: Corruption when the tree is malformed (a root
// that is not a group, children missing, a leaf without a physical type, a LIST group that
// does not hold a repeated field, an annotation that does not fit its physical type);
// InvalidArgument named "NotSupported" when the file uses something sluice has no type for
// (INTERVAL, FLOAT16, a decimal wider than 38 digits, nesting deeper than 64 groups, ...),
// saying what it is. A repeated field outside a LIST group becomes a required list of
// required elements; annotations sluice does not know are ignored.
Result<Schema> FromParquetSchema(const std::vector<SchemaElement>& elements,
                                 std::string_view file_name);

// The FIXED_LEN_BYTE_ARRAY length ToParquetSchema gives a decimal of `precision` (19..38):
// the fewest bytes whose two's complement holds every value of that precision.
int DecimalByteLength(int precision);

}  // namespace sluice::parquet
