// Reads a Parquet file with hyparquet and returns its rows in canonical JSON form.
//
// hyparquet decodes pages, encodings, compression, levels and nesting. Its own logical-type
// conversions are lossy for our purposes (DECIMAL -> JS number, timestamps -> Date with
// millisecond precision, JSON parsed, BLOBs decoded as UTF-8), so we hand it a copy of the
// file metadata with the annotations of the *leaf* columns removed: it then returns the
// physical values (boolean, number, bigint, Uint8Array), and canonPhysical() interprets
// them from the original annotations. Group annotations (LIST) stay, so hyparquet still
// assembles nested values.
import { readFileSync } from 'node:fs';
import { loadHyparquet, loadCompressors } from './tools.mjs';
import { schemaTree, leafKind, canonPhysical, listElementNode } from './canon.mjs';

function toArrayBuffer(buf) {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

function converter(node) {
  const el = node.element;
  if (!el.num_children) {
    if (el.repetition_type === 'REPEATED') {
      throw new Error(`unsupported: repeated leaf ${el.name} outside a LIST`);
    }
    const k = leafKind(el);
    return (v) => canonPhysical(v, k);
  }
  if (el.converted_type === 'MAP' || el.converted_type === 'MAP_KEY_VALUE' ||
      el.logical_type?.type === 'MAP') {
    throw new Error(`unsupported: MAP column ${el.name}`);
  }
  const elemNode = listElementNode(node);
  if (elemNode) {
    const conv = converter(elemNode);
    return (v) => (v === null || v === undefined ? null : Array.from(v, conv));
  }
  if (el.repetition_type === 'REPEATED') {
    throw new Error(`unsupported: repeated group ${el.name} outside a LIST`);
  }
  const fields = node.children.map((c) => [c.element.name, converter(c)]);
  return (v) => {
    if (v === null || v === undefined) return null;
    const out = {};
    for (const [name, conv] of fields) out[name] = conv(v[name]);
    return out;
  };
}

/** Returns { columns: [names], rows: [canonical row objects] }. */
export async function readWithHyparquet(file) {
  const { parquetMetadata, parquetReadObjects } = await loadHyparquet();
  const { compressors } = await loadCompressors();
  const ab = toArrayBuffer(readFileSync(file));
  const metadata = parquetMetadata(ab);
  const tree = schemaTree(metadata.schema);
  const convs = tree.children.map((c) => [c.element.name, converter(c)]);

  // Strip leaf annotations (on a copy) so hyparquet returns physical values.
  const stripped = {
    ...metadata,
    schema: metadata.schema.map((el) => {
      if (el.num_children) return el;
      const { converted_type, logical_type, scale, precision, ...rest } = el;
      return rest;
    }),
  };
  const raw = await parquetReadObjects({ file: ab, metadata: stripped, compressors, utf8: false });
  const rows = raw.map((r) => {
    const out = {};
    for (const [name, conv] of convs) out[name] = conv(r[name]);
    return out;
  });
  return { columns: convs.map(([n]) => n), rows };
}
