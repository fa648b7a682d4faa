import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typescriptNodeFlags } from '../../src/loader/node-flags.ts';
import type { Frame } from '../../src/pprof/builder.ts';
import { fixture as fixturePath, repoRoot } from '../helpers/run.ts';

const fixture = fixturePath('async/sources.ts');

/** The fixture's marked lines: `// op:NAME` where a scenario starts, `// call:NAME` in middle and outer. */
function markers(): Map<string, number> {
  const lines = new Map<string, number>();
  readFileSync(fixture, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const marker = /\/\/ (op|call):(\w+)\s*$/.exec(text);
      if (marker) lines.set(`${marker[1]}:${marker[2]}`, index + 1);
    });
  return lines;
}

interface Reported {
  kind: string;
  description: string;
  outcome?: string;
  durationMs?: number;
  stack: Frame[];
}
interface Output {
  closedPort: number;
  results: Record<string, { operations: Reported[]; value: unknown }>;
  leftInFlight: string[];
  stackSettingsKept: boolean;
  snapshots: {
    first: { description: string; ageMs: number; startEpochMs: number }[];
    second: { description: string; ageMs: number }[];
    third: number;
    now: number;
  };
  unhandledCode: unknown;
  unhandledOperations: { description: string; outcome?: string }[];
  patched: string[];
  installedTwice: string[];
  esmBindingPatched: boolean;
  esmBindingRestored: boolean;
  restored: string[];
  afterUninstall: number;
}

const SLOW_MS = 30;
let server: Server;
let port: number;
let output: Output;
const lines = markers();

beforeAll(async () => {
  // Answers /slow after a delay; anything else (a TLS hello, a bare connect) gets the default.
  server = createServer((request, response) => {
    if (request.url === '/slow') setTimeout(() => response.end('slow'), SLOW_MS);
    else response.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  // Run as the workshop runs TypeScript, so the tracker sees source-mapped .ts frames; not with
  // runTypeScript, whose spawnSync would block the server this process runs for the fixture.
  const { stdout } = await promisify(execFile)(process.execPath, [...typescriptNodeFlags(), fixture, String(port)], {
    cwd: repoRoot,
    timeout: 30_000,
  });
  output = JSON.parse(stdout) as Output;
});

afterAll(() => {
  server?.close();
});

/** kind, description and how it ended, for every operation a scenario started, in order. */
const expected: Record<string, [kind: string, description: string, outcome: string][]> = {
  setTimeout: [['timer', 'setTimeout 20ms', 'completed']],
  timersPromisesSetTimeout: [['timer', 'setTimeout 15ms', 'completed']],
  promisifiedSetTimeout: [['timer', 'setTimeout 15ms', 'completed']],
  setInterval: [['interval', 'setInterval 5ms', 'cancelled']],
  timersPromisesSetInterval: [['timer', 'setInterval 5ms', 'completed']],
  cleared: [
    ['timer', 'setTimeout 1000ms', 'cancelled'],
    ['timer', 'setTimeout 1000ms', 'cancelled'],
    ['timer', 'setTimeout 1000ms', 'cancelled'],
  ],
  // The request until fetch's promise resumes its awaiter, then the body's read.
  fetch: [
    ['fetch', 'fetch GET http://127.0.0.1:PORT/slow', 'completed'],
    ['fetch', 'fetch GET http://127.0.0.1:PORT/slow (body)', 'completed'],
  ],
  fetchAborted: [['fetch', 'fetch GET http://127.0.0.1:PORT/slow', 'cancelled']],
  fetchRefused: [['fetch', 'fetch GET http://127.0.0.1:CLOSED/', 'failed']],
  httpGet: [['http', 'http GET http://127.0.0.1:PORT/slow', 'completed']],
  httpRefused: [['http', 'http GET http://127.0.0.1:CLOSED/', 'failed']],
  // https connects through tls.connect: Node's own call, not a second wait.
  httpsGet: [['http', 'http GET https://127.0.0.1:PORT/', 'failed']],
  fsCallback: [['fs', `fs.readFile ${fixture}`, 'completed']],
  fsPromise: [['fs', `fs.readFile ${fixture}`, 'completed']],
  fsMissing: [
    ['fs', `fs.readFile ${fixture}.missing`, 'failed'],
    ['fs', `fs.stat ${fixture}.missing`, 'failed'],
  ],
  fsPromisified: [['fs', `fs.stat ${fixture}`, 'completed']],
  dnsLookup: [['dns', 'dns.lookup localhost', 'completed']],
  dnsPromises: [['dns', 'dns.lookup localhost', 'completed']],
  netConnect: [['net', 'net.connect 127.0.0.1:PORT', 'completed']],
  tlsConnect: [['tls', 'tls.connect 127.0.0.1:PORT', 'failed']],
  exec: [['child_process', 'exec echo hi', 'completed']],
  execPromisified: [['child_process', 'exec echo hi', 'completed']],
  spawn: [['child_process', 'spawn sleep 0.01', 'completed']],
  spawnMissing: [['child_process', 'spawn /nonexistent/program', 'failed']],
  eventsOnce: [['event', 'events.once ready', 'completed']],
  trackWait: [['user', 'marked wait', 'completed']],
};

describe('async-operation tracker, in a TypeScript program', () => {
  it('runs every scenario the test expects, and no other', () => {
    expect(Object.keys(output.results).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))('%s: exactly the expected operations, nothing Node started for itself', (name) => {
    const operations = output.results[name]!.operations;
    expect(operations.map((op) => [op.kind, op.description, op.outcome])).toEqual(
      expected[name]!.map(([kind, description, outcome]) => [
        kind,
        description.replace('PORT', String(port)).replace('CLOSED', String(output.closedPort)),
        outcome,
      ]),
    );
  });

  it.each(Object.keys(expected))('%s: started on its line, under middle and outer (across awaits), in TypeScript', (name) => {
    for (const { stack } of output.results[name]!.operations) {
      expect(stack[0]).toMatchObject({ file: fixture, line: lines.get(`op:${name}`) });
      const middle = stack.findIndex((frame) => frame.name === 'middle');
      const outer = stack.findIndex((frame) => frame.name === 'outer');
      expect(middle).toBeGreaterThan(0);
      expect(outer).toBeGreaterThan(middle);
      expect(stack[middle]).toMatchObject({ file: fixture, line: lines.get('call:middle') });
      expect(stack[outer]).toMatchObject({ file: fixture, line: lines.get('call:outer') });
      // The function's first line, as CPU profiles give it, so both name the same function.
      expect(stack[outer]!.functionLine).toBe(lines.get('call:outer')! - 1);
      for (const frame of stack) expect(frame.file).not.toMatch(/^node:|\/src\/profilers\/async\//);
    }
  });

  it('measures waits from start to end', () => {
    const duration = (name: string) => output.results[name]!.operations[0]!.durationMs!;
    expect(duration('setTimeout')).toBeGreaterThanOrEqual(19);
    expect(duration('timersPromisesSetTimeout')).toBeGreaterThanOrEqual(14);
    expect(duration('fetch')).toBeGreaterThanOrEqual(SLOW_MS - 1);
    expect(duration('httpGet')).toBeGreaterThanOrEqual(SLOW_MS - 1);
    expect(duration('cleared')).toBeLessThan(5);
  });

  it('leaves errors and stack trace settings to the program as they were', () => {
    expect(output.results.fsMissing!.value).toEqual(['ENOENT', 'ENOENT']);
    expect(output.unhandledCode).toBe('ENOENT');
    expect(output.stackSettingsKept).toBe(true);
    expect(output.unhandledOperations).toEqual([{ description: `fs.readFile ${fixture}.missing`, outcome: 'failed' }]);
  });

  it('snapshots what is in flight, with ages that grow, and drops what finished', () => {
    expect(output.leftInFlight).toEqual([]);
    const { first, second, third, now } = output.snapshots;
    expect(first.map((op) => op.description)).toEqual(['setTimeout 10000ms']);
    expect(second.map((op) => op.description)).toEqual(['setTimeout 10000ms']);
    expect(second[0]!.ageMs - first[0]!.ageMs).toBeGreaterThanOrEqual(45);
    expect(Math.abs(now - first[0]!.startEpochMs)).toBeLessThan(5_000);
    expect(third).toBe(0);
  });

  it('installs once, and uninstalling puts every property back exactly', () => {
    expect(output.patched).toEqual(expect.arrayContaining(['globalThis.setTimeout', 'fs.readFile', 'fs.promises.readFile', 'ChildProcess.prototype.spawn']));
    expect(output.installedTwice).toEqual([]);
    expect(output.esmBindingPatched).toBe(true);
    expect(output.esmBindingRestored).toBe(true);
    expect(output.restored).toEqual([]);
    expect(output.afterUninstall).toBe(0);
  });
});

describe('async-operation tracker, on call sites that share their nearest frames', () => {
  it('records each operation under the caller that started it, whichever caller came first', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [...typescriptNodeFlags(), fixturePath('async/shared-call-site.ts')], {
      cwd: repoRoot,
      timeout: 30_000,
    });
    const { callers, stacks } = JSON.parse(stdout) as { callers: string[]; stacks: string[][] };
    expect(stacks).toHaveLength(callers.length);
    stacks.forEach((names, i) => {
      expect(names.slice(0, 8)).toEqual(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8']);
      expect(names[8], `operation ${i}`).toBe(callers[i]);
    });
  });
});
