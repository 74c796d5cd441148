// Canonical JSON forms shared by every script in tests/parquet/ (see README.md).
//
// Each row is printed as one JSON object per line, keys in the file's schema order. The
// functions here turn a value into its canonical JSON value; JSON.stringify then prints it.

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Integer (number or bigint) -> JSON number when |v| <= 2^53-1, else decimal string. */
export function canonInt(v) {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  return b <= MAX_SAFE && b >= -MAX_SAFE ? Number(b) : b.toString();
}

/** FLOAT/DOUBLE -> JSON number; NaN, +-Infinity and -0 as the strings "NaN", "Infinity",
 * "-Infinity", "-0" (JSON numbers cannot hold them). FLOAT is widened to double exactly. */
export function canonFloat(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return v;
}

/** Unscaled integer + scale -> decimal string with exactly `scale` fraction digits. */
export function canonDecimal(unscaled, scale) {
  let b = typeof unscaled === 'bigint' ? unscaled : BigInt(unscaled);
  const neg = b < 0n;
  if (neg) b = -b;
  let s = b.toString();
  if (scale > 0) {
    s = s.padStart(scale + 1, '0');
    s = s.slice(0, s.length - scale) + '.' + s.slice(s.length - scale);
  }
  return (neg ? '-' : '') + s;
}

/** Big-endian two's complement bytes -> bigint. */
export function bytesToSignedBigInt(bytes) {
  if (!bytes.length) return 0n;
  let v = 0n;
  for (const byte of bytes) v = (v << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  if (bytes[0] & 0x80) v -= 1n << bits;
  return v;
}

export function hex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** 16 bytes -> "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lowercase. */
export function canonUuidBytes(bytes) {
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const floorDiv = (a, b) => { const q = a / b; return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q; };

/** Days since 1970-01-01 -> [year, month, day] in the proleptic Gregorian calendar. */
function civilFromDays(days) {
  // Howard Hinnant's civil_from_days, in bigint to be exact for any int32/int64 input.
  let z = BigInt(days) + 719468n;
  const era = floorDiv(z, 146097n);
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  let y = yoe + era * 400n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  if (m <= 2n) y += 1n;
  return [y, Number(m), Number(d)];
}

const pad = (n, w) => String(n).padStart(w, '0');

function fmtYear(y) {
  if (y >= 0n && y <= 9999n) return pad(y, 4);
  return (y < 0n ? '-' : '+') + pad(y < 0n ? -y : y, 4);
}

/** DATE (days since epoch) -> "YYYY-MM-DD" (years outside 0000..9999: "-YYYY"/"+YYYYY"). */
export function canonDate(days) {
  const [y, m, d] = civilFromDays(days);
  return `${fmtYear(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

const UNIT_PER_SECOND = { MILLIS: 1000n, MICROS: 1000000n, NANOS: 1000000000n };
const UNIT_DIGITS = { MILLIS: 3, MICROS: 6, NANOS: 9 };

/** Time of day in `unit` since midnight -> "HH:MM:SS.fff" / ".ffffff" / ".fffffffff". */
export function canonTime(value, unit) {
  const per = UNIT_PER_SECOND[unit];
  const v = BigInt(value);
  const secs = floorDiv(v, per);
  const frac = v - secs * per;
  const h = secs / 3600n, mi = (secs / 60n) % 60n, s = secs % 60n;
  return `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(frac, UNIT_DIGITS[unit])}`;
}

/** Timestamp in `unit` since the epoch -> "YYYY-MM-DDTHH:MM:SS.<unit digits>", with a
 * trailing "Z" when the column is adjusted to UTC (isAdjustedToUTC / TIMESTAMPTZ). */
export function canonTimestamp(value, unit, utc) {
  const perDay = UNIT_PER_SECOND[unit] * 86400n;
  const v = BigInt(value);
  const days = floorDiv(v, perDay);
  const rest = v - days * perDay;
  return `${canonDate(days)}T${canonTime(rest, unit)}${utc ? 'Z' : ''}`;
}

/** Turns a canonical row object into its line. */
export const rowLine = (obj) => JSON.stringify(obj);

// ---------------------------------------------------------------------------------------
// Parquet schema -> leaf descriptions (used by the hyparquet reader and to pick timestamp
// precision in the DuckDB reader). Works on hyparquet's parsed SchemaElement objects.

/**
 * Builds a tree from a flat list of Parquet SchemaElements (depth-first, num_children).
 * Node: { element, children: [] }.
 */
export function schemaTree(elements) {
  let i = 0;
  const build = () => {
    const element = elements[i++];
    const node = { element, children: [] };
    for (let c = 0; c < (element.num_children || 0); c++) node.children.push(build());
    return node;
  };
  return build();
}

/** Describes how to canonicalise a leaf column from its physical value. */
export function leafKind(el) {
  const lt = el.logical_type;
  const ct = el.converted_type;
  const t = el.type;
  if (lt?.type === 'DECIMAL' || ct === 'DECIMAL') {
    return { kind: 'decimal', scale: lt?.scale ?? el.scale ?? 0 };
  }
  if (lt?.type === 'DATE' || ct === 'DATE') return { kind: 'date' };
  if (lt?.type === 'TIME') return { kind: 'time', unit: lt.unit };
  if (ct === 'TIME_MILLIS') return { kind: 'time', unit: 'MILLIS' };
  if (ct === 'TIME_MICROS') return { kind: 'time', unit: 'MICROS' };
  if (lt?.type === 'TIMESTAMP') return { kind: 'timestamp', unit: lt.unit, utc: !!lt.isAdjustedToUTC };
  // The legacy converted types imply isAdjustedToUTC=true.
  if (ct === 'TIMESTAMP_MILLIS') return { kind: 'timestamp', unit: 'MILLIS', utc: true };
  if (ct === 'TIMESTAMP_MICROS') return { kind: 'timestamp', unit: 'MICROS', utc: true };
  if (t === 'INT96') return { kind: 'int96' };
  if (lt?.type === 'UUID') return { kind: 'uuid' };
  if (lt?.type === 'FLOAT16') return { kind: 'float16' };
  if (['STRING', 'ENUM', 'JSON'].includes(lt?.type) || ['UTF8', 'ENUM', 'JSON'].includes(ct)) {
    return { kind: 'string' };
  }
  if (t === 'INT32' || t === 'INT64') {
    let unsigned = false;
    if (lt?.type === 'INTEGER') unsigned = !lt.isSigned;
    else if (ct && ct.startsWith('UINT_')) unsigned = true;
    return { kind: 'int', unsigned, bits: t === 'INT32' ? 32 : 64 };
  }
  if (t === 'BOOLEAN') return { kind: 'bool' };
  if (t === 'FLOAT' || t === 'DOUBLE') return { kind: 'float' };
  if (t === 'BYTE_ARRAY' || t === 'FIXED_LEN_BYTE_ARRAY') return { kind: 'bytes' };
  throw new Error(`unsupported leaf ${el.name}: ${t} ${ct} ${JSON.stringify(lt)}`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function float16(bytes) {
  const v = bytes[1] << 8 | bytes[0];
  const sign = v >> 15 ? -1 : 1, exp = v >> 10 & 0x1f, frac = v & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Canonicalises one physical leaf value (as hyparquet returns it with annotations
 * stripped: boolean, number, bigint, Uint8Array) by its leaf kind. */
export function canonPhysical(v, k) {
  if (v === null || v === undefined) return null;
  switch (k.kind) {
    case 'bool': return v;
    case 'int':
      if (k.unsigned) return canonInt(BigInt.asUintN(k.bits, BigInt(v)));
      return canonInt(v);
    case 'float': return canonFloat(v);
    case 'float16': return canonFloat(float16(v));
    case 'decimal':
      return canonDecimal(v instanceof Uint8Array ? bytesToSignedBigInt(v) : BigInt(v), k.scale);
    case 'date': return canonDate(v);
    case 'time': return canonTime(v, k.unit);
    case 'timestamp': return canonTimestamp(v, k.unit, k.utc);
    case 'uuid': return canonUuidBytes(v);
    case 'string': return utf8.decode(v);
    case 'bytes': return hex(v);
    default: throw new Error(`cannot canonicalise ${k.kind}`);
  }
}

/** Is this group node a LIST (or legacy repeated) wrapper? Returns the element node. */
export function listElementNode(node) {
  const el = node.element;
  if (el.converted_type === 'LIST' || el.logical_type?.type === 'LIST') {
    const rep = node.children[0];
    // 3-level: <list> repeated group list { element }; legacy 2-level: repeated <element>.
    if (rep.children.length === 1 && rep.element.name !== 'array' &&
        !rep.element.name.endsWith('_tuple')) {
      return rep.children[0];
    }
    return rep;
  }
  return null;
}
