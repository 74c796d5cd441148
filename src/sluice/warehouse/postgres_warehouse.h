#pragma once

// The PostgreSQL engine of the warehouse (libpq). Internal: reached through OpenWarehouse.
//
// What it adds to the Session contract of warehouse.h:
//   - Connect sets TimeZone UTC and client_encoding UTF8 and creates the layer schemas that
//     are missing (sessions connecting at once to a fresh database all succeed).
//   - Column types (ColumnTypeSql): bool BOOLEAN, int8/int16 SMALLINT, int32 INTEGER, int64
//     BIGINT, float REAL, double DOUBLE PRECISION, decimal(p,s) NUMERIC(p,s) (p ≤ 38), string
//     TEXT, date DATE, timestamp TIMESTAMP WITH TIME ZONE, json JSONB. DescribeTable shows
//     format_type's spelling upper-cased, so for these types it equals ColumnTypeSql.
//   - Query results are typed by column type: boolean kBool; smallint, integer, bigint
//     kInteger; real, double precision kReal; numeric kNumeric (its exact text); anything
//     else kText in PostgreSQL's text output (dates "2024-01-02", timestamptz
//     "2024-01-02 03:04:05.123456+00", jsonb normalised).
//   - Parameters go as text: booleans, integers (bigint), reals (double precision) and
//     numerics typed, text untyped so the server infers the type from the context
//     (`day = $1` on a date column takes '2024-01-02'); a statement where nothing determines
//     it fails ("could not determine data type of parameter $1"): CAST($1 AS TEXT) there.
//     Parameters the statement does not mention are allowed (as on SQLite).
//   - Errors carry PostgreSQL's message, its detail and hint, and "[SQLSTATE xxxxx]".
//     InvalidArgument for SQL errors; Unavailable for a lost connection and for what may pass
//     on retry (lock timeout 55P03, serialization failure, deadlock, resources, shutdown).
//     A COMMIT of a transaction in which a statement failed is FailedPrecondition (the
//     server rolled it back).
//   - RowWriter streams a binary COPY in 1 MiB chunks; values PostgreSQL cannot hold
//     (decimals over their precision, dates and timestamps outside its range) are
//     InvalidArgument naming the row and column. Destroying a writer before Finish aborts the
//     COPY (and so the transaction).
//   - LockTable takes pg_advisory_xact_lock on a 64-bit FNV-1a hash of
//     "sluice.warehouse.table:<layer>.<name>".

#include <memory>
#include <string_view>

#include "sluice/common/status.h"
#include "sluice/warehouse/warehouse.h"

namespace sluice::warehouse {

// `url` is a libpq connection URI (postgres://… or postgresql://…). Does not connect yet.
Result<std::unique_ptr<Warehouse>> OpenPostgresWarehouse(std::string_view url);

}  // namespace sluice::warehouse
