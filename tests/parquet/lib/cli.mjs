// Shared main() for the reader scripts: prints rows as canonical JSON lines on stdout.
import { rowLine } from './canon.mjs';

export async function printRows(usage, read) {
  const file = process.argv[2];
  if (!file || process.argv.length > 3) {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(2);
  }
  process.stdout.on('error', (e) => process.exit(e.code === 'EPIPE' ? 0 : 1));
  try {
    const { rows } = await read(file);
    const out = rows.map((r) => rowLine(r) + '\n').join('');
    await new Promise((resolve, reject) =>
      process.stdout.write(out, (err) => (err ? reject(err) : resolve())));
  } catch (e) {
    process.stderr.write(`${usage.split(' ')[1]}: ${file}: ${e.stack || e}\n`);
    process.exit(1);
  }
}
