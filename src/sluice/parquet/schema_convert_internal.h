#pragma once

// The pieces of the Parquet → sluice schema mapping (schema_convert.h) that the reader's
// level computation (column_reader_internal.h) needs to walk the Parquet schema exactly as
// FromParquetSchema does. Not part of the parquet module's API. Stateless; thread-safe.

#include "sluice/parquet/metadata.h"

namespace sluice::parquet::internal {

// Nesting FromParquetSchema accepts (groups and lists below the root); deeper schemas are
// NotSupported, so hostile footers cannot exhaust the stack.
inline constexpr int kMaxSchemaNesting = 64;

// A group annotated LIST (LogicalType or ConvertedType).
bool IsListAnnotated(const SchemaElement& e);
// A group annotated MAP or MAP_KEY_VALUE.
bool IsMapAnnotated(const SchemaElement& e);

// For a LIST or MAP group whose only field `repeated` is repeated: whether `repeated` is
// itself the list's element (MAP key/value groups and the legacy two-level forms of
// LogicalTypes.md, "Backward-compatibility rules": a repeated primitive, a repeated group of
// several fields, or one named "array" or "<list>_tuple") rather than the three-level
// wrapper of the element.
bool RepeatedFieldIsListElement(const SchemaElement& group, const SchemaElement& repeated);

// A list or map group of the form above: annotated, exactly one field, that field repeated.
// `next` is the element after `group` (nullptr when none).
bool IsListOrMapGroup(const SchemaElement& group, const SchemaElement* next);

}  // namespace sluice::parquet::internal
