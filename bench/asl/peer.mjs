// The peer side of the ASL benchmark: runs the workloads of bench/asl/make_definitions.py
// with the npm package aws-local-stepfunctions (pinned in tools/package.json; installed by
// scripts/bootstrap-node) and prints one JSON line per workload, in the same shape as
// sluice_asl_bench:
//
//   {"workload","engine":"aws-local-stepfunctions","runs","seconds","transitions",
//    "transitions_per_s"[, "p50_us","p99_us"]}
//
//   node bench/asl/peer.mjs DEFINITIONS_DIR [--min-seconds S] [--executions N]
//                           [--output-dir DIR]
//
// Timing: each machine is constructed once (validation excluded from the timing, as
// ParseDefinition is for sluice), run once to warm up, then run back to back until at
// least --min-seconds of wall time have passed; `seconds` is the wall time of the timed
// runs. one_state runs --executions (10,000) executions after 1,000 warm-up executions and
// reports the per-execution latency of `run(input).result` (start -> SUCCEEDED) as well.
//
// Transitions are states entered, Map iterations' states included. The package does not
// report a count, so it is computed from the definition (the same rule sluice's
// ExecutionResult::state_transitions follows): pass_chain_1000 = 1,000 per execution,
// inline_map_10000 = 1 + 3 x 10,000, one_state = 1. --output-dir writes each workload's
// final output so scripts/bench can check both engines computed the same thing.

// aws-local-stepfunctions asks for Node 22; Node 20 lacks Promise.withResolvers.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Static imports are hoisted above the polyfill, so the package is imported dynamically
// (from tools/node_modules, wherever the script is run from).
const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..', 'tools', 'node_modules', 'aws-local-stepfunctions');
const packageJson = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const { StateMachine } = await import(pathToFileURL(join(packageDir, 'build', 'main.node.esm.js')).href);

function parseArgs(argv) {
  const args = { dir: null, minSeconds: 1.0, executions: 10000, outputDir: null };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--min-seconds') args.minSeconds = Number(argv[++i]);
    else if (a === '--executions') args.executions = Number(argv[++i]);
    else if (a === '--output-dir') args.outputDir = argv[++i];
    else if (args.dir === null) args.dir = a;
    else throw new Error(`unexpected argument '${a}'`);
  }
  if (args.dir === null) {
    throw new Error('usage: peer.mjs DEFINITIONS_DIR [--min-seconds S] [--executions N] [--output-dir DIR]');
  }
  return args;
}

function load(dir, workload) {
  const definition = JSON.parse(readFileSync(join(dir, `${workload}.asl.json`), 'utf8'));
  const input = JSON.parse(readFileSync(join(dir, `${workload}.input.json`), 'utf8'));
  return { definition, input };
}

// States entered per execution, the counting rule of the benchmark.
function transitionsOf(workload, input) {
  if (workload === 'pass_chain_1000') return 1000;
  if (workload === 'inline_map_10000') return 1 + 3 * input.items.length;
  if (workload === 'one_state') return 1;
  throw new Error(`unknown workload ${workload}`);
}

const ENGINE = 'aws-local-stepfunctions';

function line(fields) {
  const out = { ...fields };
  out.transitions_per_s = Math.round(out.transitions / out.seconds);
  out.seconds = Number(out.seconds.toFixed(6));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function runOnce(machine, input) {
  // The package may mutate what it is given; every execution gets its own copy, made
  // outside the timed region by the callers below.
  return machine.run(input).result;
}

async function throughput(args, workload) {
  const { definition, input } = load(args.dir, workload);
  const machine = new StateMachine(definition, { validationOptions: { checkPaths: true } });
  const perRun = transitionsOf(workload, input);
  const first = await runOnce(machine, structuredClone(input));  // warm-up
  if (args.outputDir) {
    writeFileSync(join(args.outputDir, `${workload}.${ENGINE}.json`), JSON.stringify(first));
  }
  let runs = 0;
  let seconds = 0;
  while (runs === 0 || seconds < args.minSeconds) {
    const copy = structuredClone(input);
    const start = process.hrtime.bigint();
    await runOnce(machine, copy);
    seconds += Number(process.hrtime.bigint() - start) / 1e9;
    ++runs;
  }
  line({ workload, engine: ENGINE, runs, seconds, transitions: perRun * runs });
}

function percentile(sorted, p) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function latency(args) {
  const workload = 'one_state';
  const { definition, input } = load(args.dir, workload);
  const machine = new StateMachine(definition, { validationOptions: { checkPaths: true } });
  for (let i = 0; i < 1000; ++i) await runOnce(machine, structuredClone(input));
  const samples = new Float64Array(args.executions);
  let last;
  let total = 0;
  for (let i = 0; i < args.executions; ++i) {
    const copy = structuredClone(input);
    const start = process.hrtime.bigint();
    last = await runOnce(machine, copy);
    const ns = Number(process.hrtime.bigint() - start);
    samples[i] = ns / 1000;
    total += ns;
  }
  if (args.outputDir) {
    writeFileSync(join(args.outputDir, `${workload}.${ENGINE}.json`), JSON.stringify(last));
  }
  samples.sort();
  line({
    workload,
    engine: ENGINE,
    runs: args.executions,
    seconds: total / 1e9,
    transitions: args.executions * transitionsOf(workload, input),
    p50_us: Number(percentile(samples, 50).toFixed(2)),
    p99_us: Number(percentile(samples, 99).toFixed(2)),
  });
}

const args = parseArgs(process.argv.slice(2));
if (args.outputDir) mkdirSync(args.outputDir, { recursive: true });
process.stderr.write(`peer: ${ENGINE} ${packageJson.version} on Node ${process.version}\n`);
await throughput(args, 'pass_chain_1000');
await throughput(args, 'inline_map_10000');
await latency(args);
