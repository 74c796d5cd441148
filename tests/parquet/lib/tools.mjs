// Loads the Node packages pinned in tools/package.json from tools/node_modules.
//
// The scripts in tests/parquet/ live outside tools/, so Node's own resolution (which walks
// up from the importing file) would not find tools/node_modules. We resolve from
// tools/package.json instead. Install with scripts/bootstrap-node (npm ci --prefix tools).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const toolsPkg = path.join(repoRoot, 'tools', 'package.json');
const require = createRequire(toolsPkg);

async function load(name) {
  let resolved;
  try {
    resolved = require.resolve(name);
  } catch (e) {
    const nm = path.join(repoRoot, 'tools', 'node_modules');
    const hint = existsSync(nm) ? '' : ' (tools/node_modules is missing)';
    throw new Error(`cannot load ${name}${hint}: run scripts/bootstrap-node first. ${e.message}`);
  }
  return import(pathToFileURL(resolved).href);
}

export const loadDuckDB = () => load('@duckdb/node-api');
export const loadHyparquet = () => load('hyparquet');
export const loadCompressors = () => load('hyparquet-compressors');
// hyparquet's internal modules (page-header parser), exported by its "./src/*.js" map.
export const loadHyparquetColumn = () => load('hyparquet/src/column.js');
