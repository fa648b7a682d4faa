/**
 * Runs the benchmarks in sequence, each printing its own table:
 *
 *   npm run bench                  all of them
 *   npm run bench -- cpu           one, by name
 *   npm run bench -- cpu --quick   fewer rounds, a smoke test of the benchmark itself
 *
 * A benchmark is a module exporting run({ quick }); add it to BENCHMARKS below.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import * as asyncCapture from './async-capture.ts';
import * as cpuOverhead from './cpu-overhead.ts';
import * as pprofTop from './pprof-top.ts';
import * as wallAccuracy from './wall-accuracy.ts';
import * as wallOverhead from './wall-overhead.ts';
import * as webFlamegraph from './web-flamegraph.ts';
import * as workshop from './workshop.ts';

const BENCHMARKS: { name: string; run(options: { quick: boolean }): Promise<void> }[] = [
  { name: 'cpu', run: cpuOverhead.run },
  { name: 'async', run: asyncCapture.run },
  { name: 'wall-accuracy', run: wallAccuracy.run },
  { name: 'wall-overhead', run: wallOverhead.run },
  { name: 'pprof-top', run: pprofTop.run },
  { name: 'web-flamegraph', run: webFlamegraph.run },
  { name: 'workshop', run: workshop.run },
];

const args = process.argv.slice(2);
const { values, positionals } = parseArgs({ args, options: { quick: { type: 'boolean', default: false } }, allowPositionals: true });
const unknown = positionals.filter((name) => !BENCHMARKS.some((b) => b.name === name));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

// The command first, so a pasted result says how to reproduce it; then what it ran on.
const command =
  process.env.npm_lifecycle_event === 'bench' ? `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}` : `npx tsx bench/run.ts ${args.join(' ')}`;
console.log(`$ ${command.trimEnd()}`);
console.log(`node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'})`);

for (const benchmark of BENCHMARKS.filter((b) => positionals.length === 0 || positionals.includes(b.name))) {
  console.log('');
  await benchmark.run({ quick: values.quick });
}
