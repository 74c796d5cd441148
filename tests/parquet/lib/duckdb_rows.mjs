// Canonicalises DuckDB result values (from @duckdb/node-api) into the canonical JSON form,
// and reads Parquet files with DuckDB.
//
// DuckDB's own type of each result column drives the conversion. One thing it does not
// keep: a Parquet TIMESTAMP(MILLIS) column (and TIME(MILLIS)) is read as DuckDB TIMESTAMP
// (microseconds), so the precision the canonical form prints comes from the file's schema,
// taken from DuckDB's parquet_schema() function.
import {
  canonInt, canonFloat, canonDecimal, canonDate, canonTime, canonTimestamp, hex,
} from './canon.mjs';
import { loadDuckDB } from './tools.mjs';

const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

/** Unit of a parquet_schema() row for TIME/TIMESTAMP leaves, or undefined. */
function unitOf(row) {
  const ct = row.converted_type;
  if (ct === 'TIMESTAMP_MILLIS' || ct === 'TIME_MILLIS') return 'MILLIS';
  const lt = row.logical_type || '';
  if (/MILLIS=MilliSeconds\(\)/.test(lt)) return 'MILLIS';
  if (/NANOS=NanoSeconds\(\)/.test(lt)) return 'NANOS';
  if (/MICROS=MicroSeconds\(\)/.test(lt) || ct === 'TIMESTAMP_MICROS' || ct === 'TIME_MICROS') {
    return 'MICROS';
  }
  return undefined;
}

/** Tree of { name, unit, isList, children } from parquet_schema(file) rows. */
function parquetTree(rows) {
  let i = 0;
  const build = () => {
    const r = rows[i++];
    const n = Number(r.num_children || 0);
    const node = {
      name: r.name, unit: unitOf(r), repetition: r.repetition_type,
      isList: r.converted_type === 'LIST' || /^ListType/.test(r.logical_type || ''),
      children: [],
    };
    for (let c = 0; c < n; c++) node.children.push(build());
    return node;
  };
  return build();
}

function listElement(node) {
  if (!node) return undefined;
  if (node.isList) {
    const rep = node.children[0];
    return rep && rep.children.length === 1 ? rep.children[0] : rep;
  }
  return undefined;
}

/**
 * Returns a function value -> canonical JSON value for DuckDB type `type`.
 * `pnode` is the matching Parquet schema node (or undefined when the values come from a
 * DuckDB table, where DuckDB's type alone decides the precision).
 */
export function duckConverter(duck, type, pnode) {
  const T = duck.DuckDBTypeId;
  const nul = (f) => (v) => (v === null || v === undefined ? null : f(v));
  switch (type.typeId) {
    case T.BOOLEAN: return nul((v) => v);
    case T.TINYINT: case T.SMALLINT: case T.INTEGER: case T.BIGINT: case T.HUGEINT:
    case T.UTINYINT: case T.USMALLINT: case T.UINTEGER: case T.UBIGINT: case T.UHUGEINT:
      return nul(canonInt);
    case T.FLOAT: case T.DOUBLE: return nul(canonFloat);
    case T.DECIMAL: return nul((v) => canonDecimal(v.value, v.scale));
    case T.VARCHAR: return nul((v) => String(v));
    case T.ENUM: return nul((v) => String(v));
    case T.BLOB: return nul((v) => hex(v.bytes));
    case T.UUID: return nul((v) => v.toString().toLowerCase());
    case T.DATE: return nul((v) => canonDate(v.days));
    case T.TIME: {
      const unit = pnode?.unit ?? 'MICROS';
      return nul((v) => canonTime(fromMicros(v.micros, unit), unit));
    }
    case T.TIMESTAMP: case T.TIMESTAMP_TZ: {
      const unit = pnode?.unit ?? 'MICROS';
      const utc = type.typeId === T.TIMESTAMP_TZ;
      return nul((v) => canonTimestamp(fromMicros(v.micros, unit), unit, utc));
    }
    case T.TIMESTAMP_MS: return nul((v) => canonTimestamp(v.millis, 'MILLIS', false));
    case T.TIMESTAMP_NS: return nul((v) => canonTimestamp(v.nanos, 'NANOS', false));
    case T.LIST: case T.ARRAY: {
      const conv = duckConverter(duck, type.valueType, listElement(pnode));
      return nul((v) => v.items.map(conv));
    }
    case T.STRUCT: {
      const fields = type.entryNames.map((name, i) => [
        name, duckConverter(duck, type.entryTypes[i], pnode?.children.find((c) => c.name === name)),
      ]);
      return nul((v) => {
        const out = {};
        for (const [name, conv] of fields) out[name] = conv(v.entries[name]);
        return out;
      });
    }
    default:
      throw new Error(`unsupported DuckDB type ${type.toString()}`);
  }
}

/** DuckDB holds TIME/TIMESTAMP in microseconds; express them in the file's unit. */
function fromMicros(micros, unit) {
  if (unit === 'MICROS') return micros;
  if (unit === 'MILLIS') {
    if (micros % 1000n !== 0n) throw new Error(`millisecond column holds ${micros} us`);
    return micros / 1000n;
  }
  return micros * 1000n; // NANOS read as microseconds: should not happen (DuckDB has *_NS)
}

/** Runs `sql` and returns { columns, rows } in canonical form. `pnodes`: optional map from
 * top-level column name to Parquet schema node. */
export async function canonRows(duck, conn, sql, pnodes) {
  const reader = await conn.runAndReadAll(sql);
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const convs = names.map((n, i) => duckConverter(duck, types[i], pnodes?.get(n)));
  const rows = reader.getRows().map((r) => {
    const out = {};
    for (let i = 0; i < names.length; i++) out[names[i]] = convs[i](r[i]);
    return out;
  });
  return { columns: names, rows };
}

export async function openDuckDB() {
  const duck = await loadDuckDB();
  const inst = await duck.DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await inst.connect();
  // Keep TIMESTAMPTZ arithmetic and casts independent of the machine's zone.
  await conn.run(`SET TimeZone = 'UTC'`);
  return { duck, inst, conn };
}

/** Reads a Parquet file with DuckDB, rows in file order, in canonical form. */
export async function readWithDuckDB(file, opened) {
  const { duck, conn } = opened ?? await openDuckDB();
  const f = sqlString(file);
  const schema = await conn.runAndReadAll(
    `SELECT name, repetition_type, num_children, converted_type, logical_type
       FROM parquet_schema(${f})`);
  const tree = parquetTree(schema.getRowObjectsJson());
  const pnodes = new Map(tree.children.map((c) => [c.name, c]));
  // file_row_number keeps the file's row order whatever DuckDB's scan does.
  const cols = tree.children.map((c) => `"${c.name.replaceAll('"', '""')}"`).join(', ');
  const sql = cols.length
    ? `SELECT ${cols} FROM read_parquet(${f}, file_row_number = true) ORDER BY file_row_number`
    : `SELECT * FROM read_parquet(${f})`;
  return canonRows(duck, conn, sql, pnodes);
}
