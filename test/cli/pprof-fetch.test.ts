import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressBar } from '../../src/cli/progress.ts';
import { cpuShapedBuilder } from '../helpers/profile.ts';
import { pprofEntry, repoRoot } from '../helpers/run.ts';
import { encodeProfile } from '../../src/pprof/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'pprof-fetch-'));
const saves = join(dir, 'saved');

/** Runs npm run pprof without blocking this process, which serves the endpoint it fetches. */
function pprof(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [pprofEntry, ...args], { cwd: repoRoot, env: { ...process.env, PPROF_TMPDIR: saves } }, (error, stdout, stderr) =>
      resolve({ status: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run pprof from a /debug/pprof URL', () => {
  const builder = cpuShapedBuilder({ mappingFile: '/srv/api.ts' });
  builder.addSample([{ name: 'handler', file: '/srv/api.ts', line: 3 }], [2, 20_000_000]);
  const served = encodeProfile(builder.build());
  const asked: string[] = [];
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      asked.push(request.url ?? '');
      const url = new URL(request.url ?? '/', 'http://x');
      if (url.pathname === '/debug/pprof/profile') setTimeout(() => response.end(served), 1000 * Number(url.searchParams.get('seconds') ?? 0));
      else if (url.pathname === '/debug/pprof/cmdline') response.end('node\0server.js');
      else response.writeHead(404).end('unknown profile: try /debug/pprof/\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('adds -seconds to the URL, saves a copy, says where, and reports on it', async () => {
    const result = await pprof(['-top', '-seconds=1', `${base}/debug/pprof/profile`]);
    expect(result.status).toBe(0);
    expect(asked).toContain('/debug/pprof/profile?seconds=1');
    const saved = readdirSync(saves);
    expect(saved).toEqual(['pprof.api.ts.samples.cpu.001.pb.gz']);
    expect(readFileSync(join(saves, saved[0]!))).toEqual(Buffer.from(served));
    expect(result.stderr.split('\n').slice(0, 2)).toEqual([
      `Fetching profile over HTTP from ${base}/debug/pprof/profile?seconds=1`,
      `Saved profile in ${join(saves, saved[0]!)}`,
    ]);
    expect(result.stdout).toMatch(/^ +20ms +100% +100% +20ms +100%  handler$/m);
  });

  it.each([
    [['-top', '/debug/pprof/nothing'], /the server answered 404 Not Found: unknown profile: try \/debug\/pprof\/$/],
    [['-top', '/debug/pprof/cmdline'], /did not answer with a profile: /],
  ])('refuses %j in one line', async (args, message) => {
    const result = await pprof([args[0]!, `${base}${args[1]}`]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('says a server that is not there cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await pprof(['-top', `http://127.0.0.1:${port}/debug/pprof/profile`]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^pprof: cannot fetch http://127\\.0\\.0\\.1:${port}/debug/pprof/profile: ECONNREFUSED$`, 'm'));
  });

  it('refuses -seconds that is not a whole number', async () => {
    const result = await pprof(['-top', '-seconds=soon', `${base}/debug/pprof/profile`]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^pprof: -seconds must be a whole number of seconds, 1 or more, got soon$/m);
  });
});

describe('progress bar', () => {
  const terminal = () => {
    const written: string[] = [];
    return { written, stream: { isTTY: true, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream };
  };

  it('fills as the work goes, then clears its line', () => {
    const { written, stream } = terminal();
    const bar = progressBar('profiling', 10, 's', stream);
    bar.update(4);
    bar.update(12);
    bar.stop();
    expect(written).toEqual([
      '\rprofiling [..............................] 0 s of 10 s',
      '\rprofiling [############..................] 4 s of 10 s',
      '\rprofiling [##############################] 10 s of 10 s',
      '\r\x1b[K',
    ]);
  });

  it('prints nothing where output is not a terminal', () => {
    const { written, stream } = terminal();
    (stream as { isTTY: boolean }).isTTY = false;
    const bar = progressBar('profiling', 10, 's', stream);
    bar.update(5);
    bar.stop();
    expect(written).toEqual([]);
  });
});
