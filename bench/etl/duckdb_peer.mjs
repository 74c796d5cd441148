#!/usr/bin/env node
// Usage: node bench/etl/duckdb_peer.mjs INPUT(.csv|.jsonl) OUT_DIR --threads N [--runs R]
// The peer of `sluice jobs run` in bench/etl: DuckDB (@duckdb/node-api) converting the same
// orders file to zstd Parquet partitioned by order date, with the same types:
//   COPY (SELECT <casts> FROM read_csv(…)) TO OUT (FORMAT parquet, PARTITION_BY order_date)
// It does less work than the job (no quality rules, no quarantine, no dedupe, no bronze
// copy): malformed rows are skipped with ignore_errors and TRY_CAST makes bad values NULL.
// Prints one JSON line per run: {"engine":"duckdb","format","threads","seconds","rows"}.
import { rmSync } from 'node:fs';
import { loadDuckDB } from '../../tests/parquet/lib/tools.mjs';

const args = process.argv.slice(2);
const input = args[0];
const outDir = args[1];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const threads = opt('--threads', 1);
const runs = opt('--runs', 1);
const jsonl = /\.jsonl?$/.test(input);
const q = (s) => `'${s.replaceAll("'", "''")}'`;

const columns = `{order_id: 'VARCHAR', customer_id: 'VARCHAR', order_ts: 'VARCHAR', country: 'VARCHAR',
  sku: 'VARCHAR', quantity: 'VARCHAR', unit_price: 'VARCHAR', status: 'VARCHAR', email: 'VARCHAR',
  note: 'VARCHAR'}`;
const source = jsonl
  ? `read_json(${q(input)}, format = 'newline_delimited', columns = ${columns}, ignore_errors = true)`
  : `read_csv(${q(input)}, header = true, columns = ${columns}, ignore_errors = true, quote = '"', escape = '"')`;
const select = `SELECT order_id, customer_id, TRY_CAST(order_ts AS TIMESTAMPTZ) AS order_ts, country, sku,
  TRY_CAST(quantity AS INTEGER) AS quantity, TRY_CAST(unit_price AS DECIMAL(10,2)) AS unit_price,
  status, email, note, CAST(TRY_CAST(order_ts AS TIMESTAMPTZ) AS DATE) AS order_date FROM ${source}`;

const duckdb = await loadDuckDB();
const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: String(threads) });
const conn = await instance.connect();
await conn.run(`SET TimeZone = 'UTC'`);
for (let r = 0; r < runs; r++) {
  rmSync(outDir, { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  const res = await conn.runAndReadAll(
    `COPY (${select}) TO ${q(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (order_date))`);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rows = Number(res.getRows()[0]?.[0] ?? 0);
  console.log(JSON.stringify({ engine: 'duckdb', format: jsonl ? 'jsonl' : 'csv', threads, seconds, rows }));
}
