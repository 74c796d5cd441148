#!/usr/bin/env node
// Usage: node tests/parquet/compare_jsonl.mjs EXPECTED ACTUAL [--ignore-columns=a,b]
// Compares two canonical JSON-lines files row by row and column by column. Values are
// compared as parsed JSON (so number spelling such as 1.0 vs 1 or 1e21 vs 1e+21 does not
// matter; types do: "1" is not 1). Prints the number of mismatches per column with the first
// example, and exits 1 on any difference (0 when equal).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const ignore = new Set();
const files = [];
for (const a of args) {
  if (a.startsWith('--ignore-columns=')) a.slice(17).split(',').filter(Boolean).forEach((c) => ignore.add(c));
  else files.push(a);
}
if (files.length !== 2) {
  process.stderr.write('usage: node tests/parquet/compare_jsonl.mjs EXPECTED ACTUAL [--ignore-columns=a,b]\n');
  process.exit(2);
}
const lines = (f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.length > 0);
const [exp, act] = files.map(lines);

function equal(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false; // order matters
  return ka.every((k) => equal(a[k], b[k]));
}

const bad = new Map();
let problems = 0;
if (exp.length !== act.length) {
  console.log(`row count differs: expected ${exp.length}, actual ${act.length}`);
  problems++;
}
for (let i = 0; i < Math.min(exp.length, act.length); i++) {
  const e = JSON.parse(exp[i]), a = JSON.parse(act[i]);
  const ke = Object.keys(e), ka = Object.keys(a);
  if (ke.join('\0') !== ka.join('\0')) {
    if (!bad.has('<columns>')) bad.set('<columns>', { n: 0, row: i, e: ke, a: ka });
    bad.get('<columns>').n++;
    problems++;
  }
  for (const k of ke) {
    if (ignore.has(k) || equal(e[k], a[k])) continue;
    if (!bad.has(k)) bad.set(k, { n: 0, row: i, e: e[k], a: a[k] });
    bad.get(k).n++;
    problems++;
  }
}
for (const [k, v] of bad) {
  const show = (x) => { const s = JSON.stringify(x); return s === undefined ? 'undefined' : s.length > 200 ? s.slice(0, 200) + '…' : s; };
  console.log(`column ${k}: ${v.n} mismatching rows; first at row ${v.row}: expected ${show(v.e)}, actual ${show(v.a)}`);
}
process.exit(problems ? 1 : 0);
