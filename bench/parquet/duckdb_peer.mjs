// The DuckDB side of the Parquet benchmark: writes and reads the orders data set of
// bench/parquet/make_orders.py with DuckDB (@duckdb/node-api, pinned in tools/package.json;
// installed by scripts/bootstrap-node) and prints one JSON line in the shape
// sluice_parquet_bench prints, for bench/parquet/report.py:
//
//   {"engine":"duckdb","version","rows","file_bytes","row_groups","write_s","read_s",
//    "read_agg_s","copy_s","project_s","prune_s","prune_rows","write_rg1m_s",
//    "file_bytes_rg1m","columns":[...]}
//
//   node bench/parquet/duckdb_peer.mjs ORDERS_CSV OUT_DIR [--runs N]
//
// One thread (`SET threads = 1`), an in-memory database. The CSV is loaded into the table
// `orders` before timing, with the types sluice_parquet_bench uses: order_id BIGINT,
// customer_id VARCHAR, order_date TIMESTAMP, status VARCHAR, currency VARCHAR,
// amount DECIMAL(12,2), items INTEGER. Timed, each --runs times (default 3), best run:
//   write     COPY orders TO 'OUT_DIR/duckdb.parquet' (FORMAT parquet, COMPRESSION zstd):
//             DuckDB's defaults otherwise (122,880-row row groups, zstd level 3,
//             dictionary, page statistics; no fsync, as sluice's benchmark);
//   read      CREATE OR REPLACE TABLE back AS SELECT * FROM read_parquet(...): every value
//             of every column decoded and materialised in memory, as sluice's
//             ReadRowGroup does (the table append is a copy into DuckDB's in-memory
//             row groups, which sluice does not pay: this is the comparable step);
//   read_agg  one aggregate per column over read_parquet (sum, sum(length(...)), max):
//             every column decoded, nothing materialised (a lower bound for DuckDB's read);
//   project   CTAS of customer_id, amount;
//   prune     CTAS of the rows with order_date in March 2026 (DuckDB filters exactly;
//             sluice only prunes row groups and pages, so its row count is larger).
//   copy      CREATE OR REPLACE TABLE back AS SELECT * FROM orders: the materialisation
//             alone (no Parquet), so read_s - copy_s estimates DuckDB's Parquet decoding;
//   write_rg1m  the COPY with ROW_GROUP_SIZE 1048576 (sluice's default row group size),
//             informational: "file_bytes_rg1m" shows how much of the size difference the
//             row group size explains.
// "columns" is parquet_metadata() of DuckDB's file summed per column over row groups.

import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', '..', 'tools', 'package.json'));
const duck = await import(pathToFileURL(require.resolve('@duckdb/node-api')).href);
const duckVersion = JSON.parse(
  readFileSync(
    join(here, '..', '..', 'tools', 'node_modules', '@duckdb', 'node-api', 'package.json'), 'utf8')).version;

const args = { csv: null, dir: null, runs: 3 };
for (let i = 2; i < process.argv.length; ++i) {
  const a = process.argv[i];
  if (a === '--runs') args.runs = Number(process.argv[++i]);
  else if (args.csv === null) args.csv = a;
  else if (args.dir === null) args.dir = a;
  else throw new Error(`unexpected argument '${a}'`);
}
if (args.csv === null || args.dir === null) {
  throw new Error('usage: duckdb_peer.mjs ORDERS_CSV OUT_DIR [--runs N]');
}

const q = (s) => `'${s.replaceAll("'", "''")}'`;
const csv = resolve(args.csv);
const file = resolve(join(args.dir, 'duckdb.parquet'));
const fileRg1m = resolve(join(args.dir, 'duckdb_rg1m.parquet'));

const instance = await duck.DuckDBInstance.create(':memory:', { threads: '1' });
const conn = await instance.connect();
await conn.run(`SET threads = 1`);
await conn.run(`SET TimeZone = 'UTC'`);
await conn.run(`CREATE TABLE orders AS SELECT * FROM read_csv(${q(csv)}, header = true,
  columns = {'order_id': 'BIGINT', 'customer_id': 'VARCHAR', 'order_date': 'TIMESTAMP',
             'status': 'VARCHAR', 'currency': 'VARCHAR', 'amount': 'DECIMAL(12,2)',
             'items': 'INTEGER'},
  timestampformat = '%Y-%m-%dT%H:%M:%SZ')`);
const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM orders`)).getRows()[0][0]);

async function best(sql) {
  let bestS = Infinity;
  for (let i = 0; i < args.runs; ++i) {
    const t0 = performance.now();
    await conn.run(sql);
    bestS = Math.min(bestS, (performance.now() - t0) / 1000);
  }
  return bestS;
}

const writeS = await best(`COPY orders TO ${q(file)} (FORMAT parquet, COMPRESSION zstd)`);
const src = `read_parquet(${q(file)})`;
const readS = await best(`CREATE OR REPLACE TABLE back AS SELECT * FROM ${src}`);
const backRows = Number((await conn.runAndReadAll(`SELECT count(*) FROM back`)).getRows()[0][0]);
if (backRows !== rows) throw new Error(`read back ${backRows} rows of ${rows}`);
await conn.run(`DROP TABLE back`);
const readAggS = await best(`SELECT sum(order_id), sum(length(customer_id)), max(order_date),
  sum(length(status)), sum(length(currency)), sum(amount), sum(items) FROM ${src}`);
const projectS = await best(`CREATE OR REPLACE TABLE proj AS SELECT customer_id, amount FROM ${src}`);
const march = `order_date BETWEEN TIMESTAMP '2026-03-01 00:00:00' AND TIMESTAMP '2026-03-31 23:59:59'`;
const pruneS = await best(`CREATE OR REPLACE TABLE pruned AS SELECT * FROM ${src} WHERE ${march}`);
const pruneRows = Number((await conn.runAndReadAll(`SELECT count(*) FROM pruned`)).getRows()[0][0]);
await conn.run(`DROP TABLE proj`);
await conn.run(`DROP TABLE pruned`);
const copyS = await best(`CREATE OR REPLACE TABLE back AS SELECT * FROM orders`);
await conn.run(`DROP TABLE back`);
const writeRg1mS = await best(
  `COPY orders TO ${q(fileRg1m)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1048576)`);

async function columns(path) {
  const r = await conn.runAndReadAll(`SELECT path_in_schema AS name,
      string_agg(DISTINCT encodings, ',') AS encodings,
      sum(total_compressed_size)::BIGINT AS compressed,
      sum(total_uncompressed_size)::BIGINT AS uncompressed,
      count(*)::BIGINT AS chunks
    FROM parquet_metadata(${q(path)}) GROUP BY path_in_schema, column_id ORDER BY column_id`);
  return r.getRowObjectsJson().map((c) => ({
    name: c.name, encodings: c.encodings, compressed: Number(c.compressed),
    uncompressed: Number(c.uncompressed), chunks: Number(c.chunks),
  }));
}

const out = {
  engine: 'duckdb', version: duckVersion, rows, file_bytes: statSync(file).size,
  write_s: writeS, read_s: readS, read_agg_s: readAggS, copy_s: copyS, project_s: projectS,
  prune_s: pruneS, prune_rows: pruneRows, write_rg1m_s: writeRg1mS,
  file_bytes_rg1m: statSync(fileRg1m).size, columns: await columns(file),
  columns_rg1m: await columns(fileRg1m),
};
out.row_groups = out.columns[0].chunks;
console.log(JSON.stringify(out));
