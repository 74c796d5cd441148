#!/usr/bin/env node
// Usage: node tests/etl/duckdb_query.mjs SILVER_DIR "SQL over the view silver"
// Reads every Parquet file under SILVER_DIR with DuckDB (@duckdb/node-api) as the view
// `silver` (hive_partitioning, union_by_name: files written under older schema versions
// read under the newest), runs the SQL and prints the rows as one JSON array of arrays
// (values as DuckDB's VARCHAR casts, NULL as null).
import { loadDuckDB } from '../parquet/lib/tools.mjs';

const [dir, sql] = process.argv.slice(2);
if (!dir || !sql) {
  console.error('usage: node tests/etl/duckdb_query.mjs SILVER_DIR SQL');
  process.exit(2);
}
try {
  const duckdb = await loadDuckDB();
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const glob = `${dir.replaceAll("'", "''")}/**/*.parquet`;
  await conn.run(`CREATE VIEW silver AS SELECT * FROM read_parquet('${glob}', hive_partitioning = true, union_by_name = true)`);
  const result = await conn.runAndReadAll(sql);
  const rows = result.getRows().map((r) => r.map((v) => (v === null ? null : String(v))));
  console.log(JSON.stringify(rows));
} catch (e) {
  console.error(`duckdb_query: ${e.message}`);
  process.exit(1);
}
