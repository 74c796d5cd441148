#!/usr/bin/env node
// Usage: node tests/parquet/hyparquet_write.mjs OUT_DIR
//
// Supplements duckdb_write.mjs with what DuckDB 1.5's writer never produces: DATA_PAGE_V2
// pages and the DELTA_BYTE_ARRAY encoding (DuckDB writes only v1 data pages, even with
// PARQUET_VERSION V2, and never DELTA_BYTE_ARRAY). hyparquet-writer writes every data page
// as DATA_PAGE_V2 and lets us pick each column's encoding. Several pages per column chunk
// (small pageSize) and several row groups. Same outputs as duckdb_write.mjs:
// <name>.parquet, <name>.expected.jsonl (built from the JS values written, not read back),
// <name>.metadata.json (page summary).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './lib/tools.mjs';
import { pageSummary } from './lib/pages.mjs';
import { canonInt, canonFloat, rowLine } from './lib/canon.mjs';

const outDir = process.argv[2];
if (!outDir || process.argv.length > 3) {
  process.stderr.write('usage: node tests/parquet/hyparquet_write.mjs OUT_DIR\n');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const require = createRequire(path.join(repoRoot, 'tools', 'package.json'));
const { parquetWriteBuffer } = await import(pathToFileURL(require.resolve('hyparquet-writer')).href);

const N = 3000;
// Deterministic xorshift32.
let seed = 0x12345678;
const rnd = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) / 2 ** 32; };
const pick = (i, n) => i % n === 1; // null pattern

const cols = {
  id: Array.from({ length: N }, (_, i) => i),
  s_dba: Array.from({ length: N }, (_, i) => (pick(i, 7) ? null
    : i === 0 ? '' : `prefix/shared/${String(Math.floor(i / 3)).padStart(6, '0')}/ü${i % 3 ? 'x'.repeat(i % 5) : ''}`)),
  s_dlba: Array.from({ length: N }, (_, i) => (pick(i, 5) ? null : i === 0 ? '' : `v${Math.floor(rnd() * 1e6)}-日本`)),
  i32_dbp: Array.from({ length: N }, (_, i) => (pick(i, 6) ? null
    : i === 0 ? -2147483648 : i === 2 ? 2147483647 : Math.floor(rnd() * 2 ** 32) - 2 ** 31)),
  i64_dbp: Array.from({ length: N }, (_, i) => (pick(i, 8) ? null
    : i === 0 ? -(2n ** 63n) : i === 2 ? 2n ** 63n - 1n : BigInt(Math.floor(rnd() * 2 ** 53)) - 2n ** 52n)),
  f32_bss: Array.from({ length: N }, (_, i) => (pick(i, 9) ? null
    : [NaN, Infinity, -Infinity, -0][i] ?? Math.fround((rnd() - 0.5) * 1e6))),
  f64_bss: Array.from({ length: N }, (_, i) => (pick(i, 10) ? null
    : [NaN, Infinity, -Infinity, -0][i] ?? (rnd() - 0.5) * 1e12)),
  b_rle: Array.from({ length: N }, (_, i) => (pick(i, 4) ? null : rnd() < 0.3)),
  i32_plain: Array.from({ length: N }, (_, i) => (pick(i, 11) ? null : i * 7 - 1000)),
};

const schemaOf = (name) => ({
  id: { type: 'INT32', repetition_type: 'REQUIRED' },
  s_dba: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  s_dlba: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  i32_dbp: { type: 'INT32' },
  i64_dbp: { type: 'INT64' },
  f32_bss: { type: 'FLOAT' },
  f64_bss: { type: 'DOUBLE' },
  b_rle: { type: 'BOOLEAN' },
  i32_plain: { type: 'INT32' },
})[name];
const ENCODING = {
  id: 'DELTA_BINARY_PACKED', s_dba: 'DELTA_BYTE_ARRAY', s_dlba: 'DELTA_LENGTH_BYTE_ARRAY',
  i32_dbp: 'DELTA_BINARY_PACKED', i64_dbp: 'DELTA_BINARY_PACKED', f32_bss: 'BYTE_STREAM_SPLIT',
  f64_bss: 'BYTE_STREAM_SPLIT', b_rle: 'RLE', i32_plain: 'PLAIN',
};
const CANON = {
  id: canonInt, s_dba: (v) => v, s_dlba: (v) => v, i32_dbp: canonInt, i64_dbp: canonInt,
  f32_bss: canonFloat, f64_bss: canonFloat, b_rle: (v) => v, i32_plain: canonInt,
};
const names = Object.keys(cols);
const expected = Array.from({ length: N }, (_, i) => {
  const o = {};
  for (const n of names) o[n] = cols[n][i] === null ? null : CANON[n](cols[n][i]);
  return rowLine(o) + '\n';
}).join('');

const schema = [{ name: 'root', num_children: names.length },
  ...names.map((n) => ({ name: n, repetition_type: 'OPTIONAL', ...schemaOf(n) }))];

for (const codec of ['UNCOMPRESSED', 'SNAPPY']) {
  const name = `hpw_pagev2_${codec.toLowerCase()}`;
  const file = path.join(outDir, `${name}.parquet`);
  const buf = parquetWriteBuffer({
    columnData: names.map((n) => ({ name: n, data: cols[n], encoding: ENCODING[n], nullable: n !== 'id' })),
    schema, codec, pageSize: 4096, rowGroupSize: 1000, statistics: true,
  });
  writeFileSync(file, Buffer.from(buf));
  writeFileSync(path.join(outDir, `${name}.expected.jsonl`), expected);
  const pages = await pageSummary(file);
  writeFileSync(path.join(outDir, `${name}.metadata.json`),
    JSON.stringify({ file: `${name}.parquet`, writer: 'hyparquet-writer', pages }, null, 1) + '\n');
  const enc = new Set(), pt = new Set();
  let maxPages = 0;
  for (const c of pages.columns) {
    c.encodings.forEach((e) => enc.add(e));
    Object.keys(c.page_types).forEach((p) => pt.add(p));
    maxPages = Math.max(maxPages, c.pages / c.row_groups);
  }
  console.log(`${name}.parquet: rows=${pages.num_rows} row_groups=${pages.row_groups} codec=${codec} ` +
    `pages=${[...pt].sort()} (up to ${maxPages} per chunk) encodings=${[...enc].sort()}`);
}
