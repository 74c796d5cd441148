#!/usr/bin/env node
// Usage: node tests/etl/duckdb_silver.mjs SILVER_DIR
// Reads a silver orders dataset with DuckDB (@duckdb/node-api) the way an analyst would —
// read_parquet over the folder with hive_partitioning and union_by_name — and prints the
// aggregates the end-to-end tests compare with an independent computation, as one JSON
// object: {"rows", "distinct_orders", "amount_total", "per_day": {"YYYY-MM-DD": rows}}.
import { loadDuckDB } from '../parquet/lib/tools.mjs';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tests/etl/duckdb_silver.mjs SILVER_DIR');
  process.exit(2);
}
try {
  const duckdb = await loadDuckDB();
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const glob = `${dir.replaceAll("'", "''")}/**/*.parquet`;
  const src = `read_parquet('${glob}', hive_partitioning = true, union_by_name = true)`;
  const total = await conn.runAndReadAll(
    `SELECT count(*)::BIGINT AS n, count(DISTINCT order_id)::BIGINT AS d,
            CAST(sum(quantity * unit_price) AS DECIMAL(38,2))::VARCHAR AS amount FROM ${src}`);
  const [n, d, amount] = total.getRows()[0];
  const days = await conn.runAndReadAll(
    `SELECT CAST(order_date AS VARCHAR), count(*)::BIGINT FROM ${src} GROUP BY 1 ORDER BY 1`);
  const perDay = {};
  for (const [day, c] of days.getRows()) perDay[day] = Number(c);
  console.log(JSON.stringify({
    rows: Number(n), distinct_orders: Number(d), amount_total: amount, per_day: perDay,
  }));
} catch (e) {
  console.error(`duckdb_silver: ${e.message}`);
  process.exit(1);
}
