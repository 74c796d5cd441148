// Lists every page of a Parquet file (type, encoding, codec) by walking the page headers of
// each column chunk with hyparquet's thrift page-header parser. parquet_metadata() only
// gives a per-chunk summary; this shows what a reader really meets (e.g. DATA_PAGE_V2,
// a dictionary page followed by RLE_DICTIONARY data pages, a fallback to PLAIN pages).
import { readFileSync } from 'node:fs';
import { loadHyparquet, loadHyparquetColumn } from './tools.mjs';

export async function pageSummary(file) {
  const { parquetMetadata } = await loadHyparquet();
  const { parquetHeader } = await loadHyparquetColumn();
  const buf = readFileSync(file);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const md = parquetMetadata(ab);
  const view = new DataView(ab);
  const columns = new Map(); // path -> summary
  md.row_groups.forEach((rg) => {
    for (const cc of rg.columns) {
      const m = cc.meta_data;
      const key = m.path_in_schema.join('.');
      let s = columns.get(key);
      if (!s) {
        s = { column: key, physical_type: m.type, codecs: new Set(), page_types: {},
          encodings: new Set(), pages: 0, row_groups: 0 };
        columns.set(key, s);
      }
      s.row_groups++;
      s.codecs.add(m.codec);
      let offset = Number(m.dictionary_page_offset ?? m.data_page_offset);
      if (m.dictionary_page_offset !== undefined && Number(m.dictionary_page_offset) === 0) {
        offset = Number(m.data_page_offset); // some writers write 0 for "none"
      }
      const end = offset + Number(m.total_compressed_size);
      while (offset < end) {
        const reader = { view, offset };
        const h = parquetHeader(reader);
        s.pages++;
        s.page_types[h.type] = (s.page_types[h.type] || 0) + 1;
        const enc = (h.data_page_header ?? h.data_page_header_v2 ?? h.dictionary_page_header)?.encoding;
        if (enc) s.encodings.add(h.type === 'DICTIONARY_PAGE' ? `${enc} (dictionary)` : enc);
        offset = reader.offset + h.compressed_page_size;
      }
    }
  });
  return {
    num_rows: Number(md.num_rows),
    row_groups: md.row_groups.length,
    created_by: md.created_by,
    columns: [...columns.values()].map((s) => ({
      ...s, codecs: [...s.codecs], encodings: [...s.encodings].sort(),
    })),
  };
}
