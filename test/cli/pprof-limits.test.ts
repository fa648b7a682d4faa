import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPprofCommand } from '../helpers/run.ts';

/**
 * A gzip bomb: 1 GiB of zeros in a few megabytes, as 16 gzip members of 64 MiB each (gunzip reads
 * members one after another). npm run pprof refuses it past MAX_PROFILE_BYTES, with the reason,
 * from a file of either kind and from an HTTP source, unpacked by us or by fetch.
 */
describe('npm run pprof refuses a source that unpacks past any real profile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-limits-'));
  const bomb = Buffer.concat(Array.from({ length: 16 }, (_, __, member = gzipSync(Buffer.alloc(64 * 2 ** 20))) => member));
  let server: ChildProcess;
  let base: string;

  beforeAll(async () => {
    writeFileSync(join(dir, 'bomb.pb.gz'), bomb);
    writeFileSync(join(dir, 'bomb.cpuprofile'), bomb);
    // In its own process: the CLI is run synchronously from this one.
    const serve = `const bomb = require('node:fs').readFileSync(${JSON.stringify(join(dir, 'bomb.pb.gz'))});
      require('node:http').createServer((request, response) => {
        if (request.url.startsWith('/encoded')) response.writeHead(200, { 'content-encoding': 'gzip' });
        if (!request.url.startsWith('/endless')) return response.end(bomb);
        const chunk = Buffer.alloc(2 ** 20);
        const more = () => { while (!response.destroyed && response.write(chunk)); };
        response.on('drain', more);
        more();
      }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
    server = spawn(process.execPath, ['-e', serve], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve) => server.stdout!.once('data', (data: Buffer) => resolve(data.toString().trim())));
    base = `http://127.0.0.1:${port}`;
  }, 60_000);
  afterAll(() => server?.kill());

  it.each([
    [
      'a .pb.gz file',
      () => join(dir, 'bomb.pb.gz'),
      /^pprof: \S+bomb\.pb\.gz: the profile unpacks to more than 512 MiB, more than any real profile: not read\n$/,
    ],
    [
      'a gzipped .cpuprofile',
      () => join(dir, 'bomb.cpuprofile'),
      /^pprof: \S+bomb\.cpuprofile is not a Node profile: the profile unpacks to more than 512 MiB, more than any real profile: not read\n$/,
    ],
    ['a URL answering with it', () => `${base}/debug/pprof/profile`, /did not answer with a profile: the profile unpacks to more than 512 MiB/],
    [
      'a URL answering with it as Content-Encoding: gzip',
      () => `${base}/encoded`,
      /\/encoded answered with more than 512 MiB, more than any real profile: not read\n$/,
    ],
    ['a URL answering without end', () => `${base}/endless`, /\/endless answered with more than 512 MiB, more than any real profile: not read\n$/],
  ])('from %s', (_, source, message) => {
    const result = runPprofCommand(['-top', source()]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});
