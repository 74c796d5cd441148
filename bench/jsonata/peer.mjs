// The peer side of the JSONata benchmark: evaluates bench/jsonata/workloads.json with the
// npm package jsonata 2.0.6 (the version AWS Step Functions runs; pinned in
// tools/package.json, installed by scripts/bootstrap-node) and prints one JSON line per
// workload, in the same shape as sluice_jsonata_bench:
//
//   {"workload","engine":"jsonata-js","evals","seconds","cpu_seconds","evals_per_s","evals_per_cpu_s"}
//
// cpu_seconds is the process's user + system CPU time (process.cpuUsage: the JavaScript
// thread and the garbage collector's helpers).
//
//   node bench/jsonata/peer.mjs WORKLOADS.json DATA.json [--min-seconds S] [--output-dir DIR]
//
// Each expression is compiled once (jsonata(expr)), evaluated once to warm up, then
// evaluated back to back until --min-seconds (1) of wall time have passed. The data is
// parsed once, before any timing. --output-dir writes each result so that the report can
// check both engines computed the same thing.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '../../tools/'));
const jsonata = require('jsonata');

const args = process.argv.slice(2);
const workloads = JSON.parse(readFileSync(args[0], 'utf8'));
const data = JSON.parse(readFileSync(args[1], 'utf8'));
let minSeconds = 1;
let outputDir = null;
for (let i = 2; i < args.length; i++) {
  if (args[i] === '--min-seconds') minSeconds = Number(args[++i]);
  else if (args[i] === '--output-dir') outputDir = args[++i];
}

for (const w of workloads) {
  const expr = jsonata(w.expr);
  const first = await expr.evaluate(data);
  if (outputDir) {
    mkdirSync(outputDir, { recursive: true });
    writeFileSync(join(outputDir, `${w.name}.jsonata-js.json`), JSON.stringify(first));
  }
  let evals = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minSeconds) {
    for (let k = 0; k < 10; k++) await expr.evaluate(data);
    evals += 10;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const cpuUsed = process.cpuUsage(cpuStart);
  const cpu = (cpuUsed.user + cpuUsed.system) / 1e6;
  console.log(JSON.stringify({ workload: w.name, engine: 'jsonata-js', evals, seconds: elapsed,
                               cpu_seconds: cpu, evals_per_s: evals / elapsed,
                               evals_per_cpu_s: evals / cpu }));
}
