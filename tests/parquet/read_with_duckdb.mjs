#!/usr/bin/env node
// Usage: node tests/parquet/read_with_duckdb.mjs FILE
// Prints FILE's rows, read with DuckDB (@duckdb/node-api), as canonical JSON lines (one
// object per row, keys in schema order; see tests/parquet/README.md). Exit 1 on any error.
import { printRows } from './lib/cli.mjs';
import { readWithDuckDB } from './lib/duckdb_rows.mjs';

await printRows('node tests/parquet/read_with_duckdb.mjs FILE', (f) => readWithDuckDB(f));
