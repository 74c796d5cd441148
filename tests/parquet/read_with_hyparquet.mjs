#!/usr/bin/env node
// Usage: node tests/parquet/read_with_hyparquet.mjs FILE
// Prints FILE's rows, read with hyparquet (+ hyparquet-compressors), as canonical JSON lines
// (same form as read_with_duckdb.mjs; see tests/parquet/README.md). Exit 1 on any error.
import { printRows } from './lib/cli.mjs';
import { readWithHyparquet } from './lib/hyparquet_rows.mjs';

await printRows('node tests/parquet/read_with_hyparquet.mjs FILE', readWithHyparquet);
