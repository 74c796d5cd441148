#!/usr/bin/env node
// Usage: node tests/parquet/duckdb_write.mjs OUT_DIR
//
// Writes reference Parquet files with DuckDB covering every type sluice must read, with each
// codec, PARQUET_VERSION V1 and V2, dictionary on/off, and small row groups. Beside each
// <name>.parquet it writes
//   <name>.expected.jsonl  the rows DuckDB was asked to write, canonical JSON lines
//                          (README.md), taken from the in-memory table, not from the file;
//   <name>.metadata.json   parquet_metadata() rows (per row group and column chunk) plus a
//                          page-by-page summary (page types, encodings) of the file.
// and prints a coverage line per file. Deterministic: the same DuckDB version writes the
// same values every run (no random(), no now()).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDuckDB, canonRows } from './lib/duckdb_rows.mjs';
import { pageSummary } from './lib/pages.mjs';
import { rowLine } from './lib/canon.mjs';

const outDir = process.argv[2];
if (!outDir || process.argv.length > 3) {
  process.stderr.write('usage: node tests/parquet/duckdb_write.mjs OUT_DIR\n');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const ROWS = 5000;

// h(i, k): deterministic pseudo-random UBIGINT per row and salt.
const h = (k) => `hash(i, ${k})`;
// NULL in a pattern of rows (varies by column so nulls don't line up).
const nullEvery = (n, r) => `i % ${n} = ${r}`;

// Each column: [name, SQL expression over i (BIGINT 0..ROWS-1)]. Rows 0..15 hold edge values.
const COLUMNS = [
  ['id', `i`], // BIGINT, never null
  ['c_bool', `CASE WHEN ${nullEvery(7, 3)} THEN NULL ELSE ${h(1)} % 2 = 0 END`],
  ['c_tinyint', `CASE WHEN ${nullEvery(11, 5)} THEN NULL WHEN i = 0 THEN -128 WHEN i = 1 THEN 127
     ELSE (${h(2)} % 256)::INT - 128 END::TINYINT`],
  ['c_smallint', `CASE WHEN ${nullEvery(11, 6)} THEN NULL WHEN i = 0 THEN -32768 WHEN i = 1 THEN 32767
     ELSE (${h(3)} % 65536)::INT - 32768 END::SMALLINT`],
  ['c_integer', `CASE WHEN ${nullEvery(13, 2)} THEN NULL WHEN i = 0 THEN -2147483648 WHEN i = 1 THEN 2147483647
     WHEN i % 3 = 0 THEN (${h(4)} % 1000)::INT
     ELSE (${h(4)} % 4294967296)::BIGINT - 2147483648 END::INTEGER`],
  ['c_bigint', `CASE WHEN ${nullEvery(13, 3)} THEN NULL
     WHEN i = 0 THEN -9223372036854775808 WHEN i = 1 THEN 9223372036854775807
     WHEN i = 2 THEN 9007199254740993 WHEN i = 3 THEN -9007199254740993
     WHEN i = 4 THEN 9007199254740991 WHEN i % 3 = 0 THEN (${h(5)} % 100000)::BIGINT - 50000
     ELSE (${h(5)}::HUGEINT - 9223372036854775808)::BIGINT END::BIGINT`],
  ['c_utinyint', `CASE WHEN ${nullEvery(17, 1)} THEN NULL WHEN i = 0 THEN 0 WHEN i = 1 THEN 255
     ELSE ${h(6)} % 256 END::UTINYINT`],
  ['c_usmallint', `CASE WHEN ${nullEvery(17, 2)} THEN NULL WHEN i = 0 THEN 0 WHEN i = 1 THEN 65535
     ELSE ${h(7)} % 65536 END::USMALLINT`],
  ['c_uinteger', `CASE WHEN ${nullEvery(17, 3)} THEN NULL WHEN i = 0 THEN 0 WHEN i = 1 THEN 4294967295
     WHEN i = 2 THEN 2147483648 ELSE ${h(8)} % 4294967296 END::UINTEGER`],
  ['c_ubigint', `CASE WHEN ${nullEvery(17, 4)} THEN NULL WHEN i = 0 THEN 0
     WHEN i = 1 THEN 18446744073709551615 WHEN i = 2 THEN 9223372036854775808
     WHEN i % 3 = 0 THEN ${h(9)} % 1000 ELSE ${h(9)} END::UBIGINT`],
  ['c_float', `CASE WHEN ${nullEvery(19, 1)} THEN NULL
     WHEN i = 0 THEN 'NaN'::FLOAT WHEN i = 1 THEN 'Infinity'::FLOAT WHEN i = 2 THEN '-Infinity'::FLOAT
     WHEN i = 3 THEN '-0.0'::FLOAT WHEN i = 4 THEN 3.4028235e38::FLOAT WHEN i = 5 THEN 1.4e-45::FLOAT
     WHEN i = 6 THEN 0.1::FLOAT
     ELSE ((${h(10)} % 2000001)::DOUBLE - 1000000) / 128 END::FLOAT`],
  ['c_double', `CASE WHEN ${nullEvery(19, 2)} THEN NULL
     WHEN i = 0 THEN 'NaN'::DOUBLE WHEN i = 1 THEN 'Infinity'::DOUBLE WHEN i = 2 THEN '-Infinity'::DOUBLE
     WHEN i = 3 THEN '-0.0'::DOUBLE WHEN i = 4 THEN 1.7976931348623157e308 WHEN i = 5 THEN 5e-324
     WHEN i = 6 THEN 0.1 WHEN i = 7 THEN 2.2250738585072014e-308
     ELSE ((${h(11)} % 2000000001)::DOUBLE - 1000000000) / 997 END::DOUBLE`],
  ['c_double_nonull', `(${h(12)} % 1000)::DOUBLE / 8`], // no nulls
  ['c_dec4_2', `CASE WHEN ${nullEvery(23, 1)} THEN NULL WHEN i = 0 THEN -99.99 WHEN i = 1 THEN 99.99
     WHEN i = 2 THEN 0 WHEN i = 3 THEN -0.01
     ELSE ((${h(13)} % 19999)::INT - 9999)::DECIMAL(4,0) / 100 END::DECIMAL(4,2)`],
  ['c_dec9_2', `CASE WHEN ${nullEvery(23, 2)} THEN NULL WHEN i = 0 THEN -9999999.99 WHEN i = 1 THEN 9999999.99
     ELSE (CASE WHEN ${h(14)} % 2 = 0 THEN '-' ELSE '' END || (${h(14)} // 2 % 10000000)::VARCHAR || '.' ||
           lpad((${h(15)} % 100)::VARCHAR, 2, '0'))::DECIMAL(9,2) END::DECIMAL(9,2)`],
  ['c_dec18_4', `CASE WHEN ${nullEvery(23, 3)} THEN NULL
     WHEN i = 0 THEN '-99999999999999.9999'::DECIMAL(18,4) WHEN i = 1 THEN '99999999999999.9999'::DECIMAL(18,4)
     ELSE (CASE WHEN ${h(16)} % 2 = 0 THEN '-' ELSE '' END || (${h(17)} % 100000000000000)::VARCHAR || '.' ||
           lpad((${h(18)} % 10000)::VARCHAR, 4, '0'))::DECIMAL(18,4) END`],
  ['c_dec38_10', `CASE WHEN ${nullEvery(23, 4)} THEN NULL
     WHEN i = 0 THEN '-9999999999999999999999999999.9999999999'::DECIMAL(38,10)
     WHEN i = 1 THEN '9999999999999999999999999999.9999999999'::DECIMAL(38,10)
     WHEN i = 2 THEN '0.0000000001'::DECIMAL(38,10) WHEN i = 3 THEN '-0.0000000001'::DECIMAL(38,10)
     ELSE (CASE WHEN ${h(19)} % 2 = 0 THEN '-' ELSE '' END ||
           ((${h(20)}::HUGEINT * ${h(21)}::HUGEINT) % 10000000000000000000000000000)::VARCHAR || '.' ||
           lpad((${h(22)} % 10000000000)::VARCHAR, 10, '0'))::DECIMAL(38,10) END`],
  ['c_varchar', `CASE WHEN ${nullEvery(29, 1)} THEN NULL WHEN i = 0 THEN '' WHEN i = 1 THEN 'héllo wörld ✓ 日本語 🎉'
     WHEN i = 2 THEN 'quote " backslash \\ tab ' || chr(9) || ' newline ' || chr(10) || ' nul? no'
     WHEN i = 3 THEN chr(1) || chr(31) || chr(127) || chr(128) || chr(65533)
     ELSE 'str-' || (${h(23)} % 1000000)::VARCHAR END`],
  ['c_varchar_dict', `CASE WHEN ${nullEvery(29, 2)} THEN NULL
     ELSE ['', 'alpha', 'beta', 'gamma', 'Ünïcödé', '🙂', 'a longer repeated value'][(${h(24)} % 7)::INT + 1] END`],
  ['c_varchar_long', `CASE WHEN ${nullEvery(29, 3)} THEN NULL WHEN i = 0 THEN repeat('x', 100000)
     WHEN i % 50 = 7 THEN repeat('long-' || i::VARCHAR || '-ü-', 50 + (${h(25)} % 400)::INT)
     ELSE 'short-' || i::VARCHAR END`],
  ['c_varchar_prefix', `'customer#' || lpad(i::VARCHAR, 9, '0') || CASE WHEN i % 3 = 0 THEN '-x' ELSE '' END`],
  ['c_blob', `CASE WHEN ${nullEvery(31, 1)} THEN NULL WHEN i = 0 THEN ''::BLOB WHEN i = 1 THEN '\\x00\\xFF\\x00'::BLOB
     ELSE from_hex(left(md5(i::VARCHAR), ((${h(26)} % 16)::INT + 1) * 2)) END`],
  ['c_date', `CASE WHEN ${nullEvery(31, 2)} THEN NULL WHEN i = 0 THEN DATE '0001-01-01'
     WHEN i = 1 THEN DATE '9999-12-31' WHEN i = 2 THEN DATE '1969-12-31' WHEN i = 3 THEN DATE '1970-01-01'
     WHEN i = 4 THEN DATE '2000-02-29' WHEN i = 5 THEN DATE '1900-03-01'
     ELSE DATE '1970-01-01' + ((${h(27)} % 1000000)::INT - 500000) END`],
  ['c_time', `CASE WHEN ${nullEvery(31, 3)} THEN NULL WHEN i = 0 THEN TIME '00:00:00'
     WHEN i = 1 THEN TIME '23:59:59.999999'
     ELSE TIME '00:00:00' + to_microseconds((${h(28)} % 86400000000)::BIGINT) END`],
  ['c_timestamp', `CASE WHEN ${nullEvery(37, 1)} THEN NULL WHEN i = 0 THEN TIMESTAMP '0001-01-01 00:00:00'
     WHEN i = 1 THEN TIMESTAMP '9999-12-31 23:59:59.999999' WHEN i = 2 THEN TIMESTAMP '1969-12-31 23:59:59.999999'
     WHEN i = 3 THEN TIMESTAMP '1970-01-01 00:00:00'
     ELSE make_timestamp((${h(29)} % 20000000000000000)::BIGINT - 10000000000000000) END`],
  ['c_timestamp_ms', `CASE WHEN ${nullEvery(37, 2)} THEN NULL WHEN i = 0 THEN TIMESTAMP '1969-12-31 23:59:59.999'
     WHEN i = 1 THEN TIMESTAMP '2262-04-11 23:47:16.854'
     ELSE make_timestamp(((${h(30)} % 20000000000000)::BIGINT - 10000000000000) * 1000) END::TIMESTAMP_MS`],
  ['c_timestamp_ns', `CASE WHEN ${nullEvery(37, 3)} THEN NULL
     WHEN i = 0 THEN make_timestamp_ns(-1) WHEN i = 1 THEN make_timestamp_ns(9000000000000000001)
     WHEN i = 2 THEN make_timestamp_ns(-9000000000000000001)
     ELSE make_timestamp_ns((${h(31)} % 9000000000000000000)::BIGINT - 4500000000000000000) END`],
  ['c_timestamptz', `CASE WHEN ${nullEvery(37, 4)} THEN NULL WHEN i = 0 THEN TIMESTAMPTZ '1969-12-31 23:59:59.999999+00'
     ELSE make_timestamp((${h(32)} % 4000000000000000)::BIGINT)::TIMESTAMPTZ END`],
  ['c_uuid', `CASE WHEN ${nullEvery(41, 1)} THEN NULL WHEN i = 0 THEN '00000000-0000-0000-0000-000000000000'::UUID
     WHEN i = 1 THEN 'ffffffff-ffff-ffff-ffff-ffffffffffff'::UUID WHEN i = 2 THEN '80000000-0000-0000-0000-000000000000'::UUID
     WHEN i = 3 THEN '7fffffff-ffff-ffff-ffff-ffffffffffff'::UUID
     ELSE md5(i::VARCHAR)::UUID END`],
  ['c_json', `CASE WHEN ${nullEvery(41, 2)} THEN NULL WHEN i = 0 THEN 'null'::JSON WHEN i = 1 THEN '{"a": [1, 2.5, "x"], "b": {}}'::JSON
     WHEN i = 2 THEN '"str"'::JSON WHEN i = 3 THEN '[]'::JSON
     ELSE json_object('k', i, 'v', 'val' || (${h(33)} % 10)::VARCHAR) END`],
  ['c_enum', `CASE WHEN ${nullEvery(41, 3)} THEN NULL ELSE (['sad', 'ok', 'happy', 'über 😀'][(${h(34)} % 4)::INT + 1])::mood END`],
  ['c_list_int', `CASE WHEN i % 9 = 0 THEN NULL WHEN i % 9 = 1 THEN []::INTEGER[] WHEN i = 2 THEN [NULL]::INTEGER[]
     ELSE list_transform(range((${h(35)} % 6)::BIGINT), x -> CASE WHEN x = 3 THEN NULL
       ELSE ((hash(i, x) % 2000001)::BIGINT - 1000000)::INTEGER END) END`],
  ['c_list_varchar', `CASE WHEN i % 10 = 0 THEN NULL WHEN i % 10 = 1 THEN []::VARCHAR[] WHEN i = 2 THEN ['', NULL, 'ü']
     ELSE list_transform(range((${h(36)} % 5)::BIGINT), x -> CASE WHEN x = 2 THEN NULL
       ELSE 'e' || (hash(i, x, 1) % 100)::VARCHAR END) END`],
  ['c_list_list_int', `CASE WHEN i % 8 = 0 THEN NULL WHEN i % 8 = 1 THEN []::INTEGER[][]
     WHEN i % 8 = 2 THEN [NULL, [], [1, NULL]]::INTEGER[][]
     ELSE [range((${h(37)} % 3)::BIGINT)::INTEGER[], [i::INTEGER]] END`],
  ['c_struct', `CASE WHEN i % 12 = 0 THEN NULL::STRUCT(a INTEGER, b VARCHAR)
     WHEN i % 12 = 1 THEN {'a': NULL, 'b': NULL}::STRUCT(a INTEGER, b VARCHAR)
     ELSE {'a': CASE WHEN i % 5 = 2 THEN NULL ELSE (${h(38)} % 1000)::INTEGER END,
           'b': CASE WHEN i % 5 = 3 THEN NULL ELSE 's' || (i % 100)::VARCHAR END}::STRUCT(a INTEGER, b VARCHAR) END`],
  ['c_list_struct', `CASE WHEN i % 14 = 0 THEN NULL WHEN i % 14 = 1 THEN []::STRUCT(x DOUBLE, y VARCHAR[], z STRUCT(d DATE))[]
     ELSE list_transform(range((${h(39)} % 4)::BIGINT), k -> CASE WHEN k = 2 THEN NULL ELSE
       {'x': CASE WHEN k = 1 THEN NULL ELSE (hash(i, k, 2) % 1000)::DOUBLE / 4 END,
        'y': CASE WHEN k = 3 THEN NULL ELSE ['p' || k::VARCHAR, 'q'] END,
        'z': CASE WHEN i % 4 = 0 THEN NULL ELSE {'d': DATE '2020-01-01' + i::INTEGER} END} END
     )::STRUCT(x DOUBLE, y VARCHAR[], z STRUCT(d DATE))[] END`],
  ['c_all_null_int', `NULL::INTEGER`],
  ['c_all_null_varchar', `NULL::VARCHAR`],
  ['c_all_null_list', `NULL::INTEGER[]`],
];

// name, COPY options. ROW_GROUP_SIZE 1000 over 5000 rows: DuckDB flushes row groups at its
// vector size (2048 rows), so this yields 3 row groups (2048, 2048, 904).
const CODECS = ['uncompressed', 'snappy', 'zstd', 'gzip'];
const FILES = [];
for (const ver of ['v1', 'v2']) {
  for (const codec of CODECS) {
    FILES.push([`all_types_${codec}_${ver}`, `COMPRESSION ${codec}, PARQUET_VERSION ${ver.toUpperCase()}, ROW_GROUP_SIZE 1000`]);
  }
  // Dictionary off (limit 1 byte): PLAIN (V1) or the DELTA/BYTE_STREAM_SPLIT encodings (V2)
  // for every column, including the low-cardinality ones.
  FILES.push([`all_types_nodict_zstd_${ver}`, `COMPRESSION zstd, PARQUET_VERSION ${ver.toUpperCase()}, ROW_GROUP_SIZE 1000, DICTIONARY_SIZE_LIMIT 1`]);
}
// One big row group (DuckDB's default size), default codec.
FILES.push(['all_types_one_row_group', `PARQUET_VERSION V2`]);

const t0 = Date.now();
const { duck, conn } = await openDuckDB();
await conn.run(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'über 😀')`);
await conn.run(`CREATE TABLE t AS SELECT ${COLUMNS.map(([n, e]) => `${e} AS ${n}`).join(',\n')}
  FROM range(${ROWS}) r(i) ORDER BY i`);
await conn.run(`CREATE TABLE empty AS SELECT * FROM t LIMIT 0`);

const expected = await canonRows(duck, conn, `SELECT * FROM t ORDER BY id`);
const expectedText = expected.rows.map((r) => rowLine(r) + '\n').join('');

async function writeOne(name, table, options, text) {
  const file = path.join(outDir, `${name}.parquet`);
  await conn.run(`COPY (SELECT * FROM ${table} ORDER BY id) TO '${file.replaceAll("'", "''")}' (FORMAT parquet, ${options})`);
  writeFileSync(path.join(outDir, `${name}.expected.jsonl`), text);
  const md = await conn.runAndReadAll(`SELECT * FROM parquet_metadata('${file.replaceAll("'", "''")}')`);
  const pages = await pageSummary(file);
  writeFileSync(path.join(outDir, `${name}.metadata.json`),
    JSON.stringify({ file: `${name}.parquet`, copy_options: options, pages, parquet_metadata: md.getRowObjectsJson() }, null, 1) + '\n');
  const encodings = new Set(), pageTypes = new Set(), codecs = new Set();
  for (const c of pages.columns) {
    c.encodings.forEach((e) => encodings.add(e));
    Object.keys(c.page_types).forEach((p) => pageTypes.add(p));
    c.codecs.forEach((x) => codecs.add(x));
  }
  console.log(`${name}.parquet: rows=${pages.num_rows} row_groups=${pages.row_groups} codec=${[...codecs]} ` +
    `pages=${[...pageTypes].sort()} encodings=${[...encodings].sort()}`);
}

for (const [name, options] of FILES) await writeOne(name, 't', options, expectedText);
await writeOne('empty', 'empty', 'COMPRESSION snappy', '');
console.log(`duckdb_write: ${FILES.length + 1} files, ${expected.columns.length} columns x ${ROWS} rows, ${Date.now() - t0} ms`);
