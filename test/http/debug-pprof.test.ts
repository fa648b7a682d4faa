import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typescriptNodeFlags } from '../../src/loader/node-flags.ts';
import { debugPprof } from '../../src/http/debug-pprof.ts';
import { decodeProfile } from '../../src/pprof/index.ts';
import { sampleTypeNames, stacks } from '../helpers/profile.ts';
import { fixture, repoRoot, runPprofCommand } from '../helpers/run.ts';
import { goBinary } from '../helpers/tools.ts';

interface Server {
  base: string;
  port: number;
  child: ChildProcess;
  stderr: () => string;
}

/** Starts the fixture app in its own process; resolves once it listens. */
/**
 * The app's timer hashes about half the time, so its hashing is a large share of the time the
 * app runs (its waits, such as /leak's fetches, are left aside): under hashAround, or under the
 * timer's arrow alone where V8 dropped hashAround's frame, with createHash's, from every sample of
 * a profile (seen on Node 24, 3 profiles in 60, while the profiles before and after named it).
 */
function expectHashingIn(folded: string): void {
  const lines = folded
    .trimEnd()
    .split('\n')
    .map((line) => ({ stack: line.slice(0, line.lastIndexOf(' ')).split(';'), value: Number(line.slice(line.lastIndexOf(' ') + 1)) }));
  const running = lines.filter(({ stack }) => !stack.at(-1)!.startsWith('(wait) '));
  const total = running.reduce((sum, { value }) => sum + value, 0);
  const hashing = running.filter(({ stack }) => stack.includes('hashAround') || stack.some((frame) => /^(createHash|Hash|update|digest)$/.test(frame)));
  const share = hashing.reduce((sum, { value }) => sum + value, 0) / total;
  const named = hashing.some(({ stack }) => stack.includes('hashAround'));
  const shown = running
    .slice(0, 12)
    .map(({ stack, value }) => `${stack.join(';')} ${value}`)
    .join('\n');
  expect(share, `hashing is ${(share * 100).toFixed(1)}% of the running time (named hashAround: ${named}); its stacks:\n${shown}`).toBeGreaterThan(0.3);
}

async function startServer(env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const child = spawn(process.execPath, [...typescriptNodeFlags(), fixture('http/server.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (data: Buffer) => resolve(Number(data.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${stderr}`)));
  });
  return { base: `http://127.0.0.1:${port}`, port, child, stderr: () => stderr };
}

const get = async (url: string, init?: RequestInit) => {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
};

/** A GET to the loopback port with the Host header given, which fetch does not let a test choose. */
function getAddressedTo(port: number, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, path, headers: { ...headers, host } }, (incoming) => {
      let body = '';
      incoming.on('data', (chunk: Buffer) => (body += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode!, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('debugPprof on an express app', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer();
  }, 30_000);
  afterAll(() => {
    server?.child.kill();
  });
  const url = (path: string) => `${server.base}/debug/pprof/${path}`;

  it('serves an index of every profile, with counts, descriptions and the ones Node lacks', async () => {
    const { status, headers, body } = await get(url(''));
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/html/);
    const html = body.toString();
    for (const name of ['async', 'cmdline', 'goroutine', 'heap', 'profile', 'trace', 'wall']) expect(html).toContain(`<a href="${name}">${name}</a>`);
    expect(html).toContain('<a href="goroutine?debug=1">debug=1</a>');
    for (const name of ['threadcreate', 'block', 'mutex', 'symbol']) expect(html).toMatch(new RegExp(`<td align="right">n/a</td><td>${name}</td>`));
  });

  it("answers the paths Grafana Alloy and Parca scrape by default with 200 and what each holds, in its comment where it is not Go's", async () => {
    // profile.process_cpu, profile.memory, profile.goroutine, as their default configurations ask.
    const cpu = await get(url('profile?seconds=1'));
    expect(cpu.status).toBe(200);
    expect(sampleTypeNames(decodeProfile(cpu.body))).toEqual(['samples/count', 'cpu/nanoseconds']);

    const memory = await get(url('allocs'));
    expect(memory.status).toBe(200);
    const allocs = decodeProfile(memory.body);
    expect(sampleTypeNames(allocs)).toEqual(['inuse_space/bytes', 'inuse_objects/count']);
    expect(allocs.comments).toContain(
      "allocs: the heap in use (inuse_space, inuse_objects), not every allocation: this router samples the heap in use and V8 has one heap sampler; create it with heapSampling: 'allocs' to record allocations, garbage included",
    );

    await get(`${server.base}/leak?n=3&path=/scraped`);
    const goroutine = decodeProfile((await get(url('goroutine'))).body);
    expect(sampleTypeNames(goroutine)).toEqual(['goroutine/count']);
    expect(goroutine.comments).toEqual([
      'goroutine: Node has no goroutines; each one counted is an async operation in flight (a timer, a request, a file read...), on the stack that started it',
    ]);
    const leaked = stacks(goroutine).filter(({ frames }) => frames[0]!.includes('/scraped'));
    expect(leaked.reduce((sum, { values }) => sum + values[0]!, 0)).toBe(3);
    // Under its own name it stays ops/count.
    expect(sampleTypeNames(decodeProfile((await get(url('async'))).body))).toEqual(['ops/count']);
    expect((await get(url('allocs?seconds=1'))).status).toBe(400);
  });

  it('marks its errors as Go does, so go tool pprof prints the reason and not only the status', async () => {
    const { status, headers } = await get(url('mutex'));
    expect(status).toBe(404);
    expect(headers.get('x-go-pprof')).toBe('1');
  });

  it.each(['threadcreate', 'block', 'mutex', 'symbol'])('answers %s with 404 and why Node has none', async (name) => {
    const { status, body } = await get(url(name));
    expect(status).toBe(404);
    expect(body.toString()).toMatch(new RegExp(`^${name}: not available in Node: .+\\n$`));
  });

  it('serves the command line, arguments separated by NUL', async () => {
    const { body } = await get(url('cmdline'));
    expect(
      body
        .toString()
        .split('\0')
        .some((arg) => arg.endsWith('http/server.ts')),
    ).toBe(true);
  });

  it('serves a CPU profile for ?seconds, gzipped pprof with a file name, never cached', async () => {
    const started = Date.now();
    const { status, headers, body } = await get(url('profile?seconds=1'));
    expect(status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(headers.get('content-type')).toBe('application/octet-stream');
    expect(headers.get('content-disposition')).toBe('attachment; filename="profile.pb.gz"');
    expect(headers.get('cache-control')).toBe('no-store');
    expect([body[0], body[1]]).toEqual([0x1f, 0x8b]);
    const profile = decodeProfile(body);
    expect(sampleTypeNames(profile)).toEqual(['samples/count', 'cpu/nanoseconds']);
    // The app's timer hashes half the time: its hashing is most of the profile, under hashAround,
    // or under the timer alone where V8 lost hashAround's own frame (once in CI on Node 24, on a
    // quiet machine, no sample of a second named it; not seen again in dozens of runs).
    const all = stacks(profile);
    const samplesOf = (matches: (frames: string[]) => boolean) => all.filter(({ frames }) => matches(frames)).reduce((sum, { values }) => sum + values[0]!, 0);
    const total = samplesOf(() => true);
    const hashing = samplesOf(
      (frames) =>
        frames.some((frame) => frame.startsWith('hashAround ')) ||
        (frames.some((frame) => /^(createHash|Hash|update|digest) /.test(frame)) && frames.some((frame) => frame.startsWith('listOnTimeout '))),
    );
    const named = samplesOf((frames) => frames.some((frame) => frame.startsWith('hashAround ')));
    const shown = all
      .slice(0, 8)
      .map(({ frames, values }) => `${values[0]} ${frames.slice(0, 4).join(' < ')}`)
      .join('\n');
    expect(hashing / total, `${named} of ${total} samples name hashAround; the first stacks:\n${shown}`).toBeGreaterThan(0.3);
  });

  it('serves a wall profile as pprof or as folded stacks', async () => {
    const pprof = decodeProfile((await get(url('wall?seconds=1'))).body);
    expect(sampleTypeNames(pprof)).toEqual(['samples/count', 'wall/nanoseconds']);
    const folded = await get(url('wall?seconds=1&format=folded'));
    expect(folded.status).toBe(200);
    expectHashingIn(folded.body.toString());
  });

  it('serves the wall profile at /debug/fgprof as fgprof does: samples/count and time/nanoseconds, folded stacks counting samples', async () => {
    const pprof = decodeProfile((await get(`${server.base}/debug/fgprof?seconds=1`)).body);
    expect(sampleTypeNames(pprof)).toEqual(['samples/count', 'time/nanoseconds']);
    expect(pprof.periodType).toEqual({ type: 'wallclock', unit: 'nanoseconds' });
    // Counted in samples of the period, as the pprof profile's first value counts them: a second
    // of the same app holds about as many (load moves it by a little, nanoseconds by 10^7).
    const folded = await get(`${server.base}/debug/fgprof?seconds=1&format=folded`);
    expect(folded.status).toBe(200);
    const lines = folded.body.toString().trimEnd().split('\n');
    expectHashingIn(folded.body.toString());
    const counts = lines.map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
    const total = pprof.samples.reduce((sum, sample) => sum + sample.values[0]!, 0);
    const foldedTotal = counts.reduce((sum, count) => sum + count, 0);
    expect(foldedTotal).toBeGreaterThan(total / 3);
    expect(foldedTotal).toBeLessThan(total * 3);
    expect(counts.every((count) => Number.isInteger(count) && count > 0)).toBe(true);
    expect((await get(`${server.base}/debug/fgprof?seconds=0`)).status).toBe(400);
  });

  it('serves the heap as pprof, after a collection with gc=1, and as text with debug=1', async () => {
    const heap = decodeProfile((await get(url('heap?gc=1'))).body);
    expect(sampleTypeNames(heap)).toEqual(['inuse_space/bytes', 'inuse_objects/count']);
    const text = (await get(url('heap?debug=1'))).body.toString();
    expect(text).toMatch(/^heap profile: \d+: \d+ \[\d+: \d+\] @ heap\/2\n# Objects and bytes in use, estimated from V8's sampling every 524288 bytes: /);
  });

  // pprof reads the debug=1 text as a legacy heap profile: its total must be the text's, not that
  // scaled again as if the values were sampled counts (which made 9.5 MB read as 28.85 GB).
  it.skipIf(!goBinary())('serves a heap?debug=1 text that go tool pprof and ours read with the total it states', async () => {
    // 8 MB held, some 16 samples at V8's 512 kB: a collection (as heap?gc=1 makes) cannot empty it.
    await get(`${server.base}/retain?kb=8192`);
    const text = (await get(url('heap?debug=1'))).body.toString();
    const [, objects, bytes] = /^heap profile: (\d+): (\d+) /.exec(text)!.map(Number);
    expect(bytes).toBeGreaterThan(0);
    const file = join(mkdtempSync(join(tmpdir(), 'heap-debug-')), 'heap.txt');
    writeFileSync(file, text);
    const theirs = spawnSync(goBinary()!, ['tool', 'pprof', '-top', '-unit=B', file], { encoding: 'utf8' });
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(theirs.stdout).toContain(` of ${bytes}B total\n`);
    const profile = decodeProfile(Buffer.from(text));
    const sum = (index: number) => profile.samples.reduce((total, sample) => total + sample.values[index]!, 0);
    expect(sampleTypeNames(profile)).toEqual(['objects/count', 'space/bytes']);
    expect([sum(0), sum(1)]).toEqual([objects, bytes]);
    const goTop = spawnSync(goBinary()!, ['tool', 'pprof', '-top', file], { encoding: 'utf8' });
    expect(runPprofCommand(['-top', file]).stdout).toBe(goTop.stdout);
  });

  it('serves a trace: JavaScript as nested slices on its TypeScript lines, async operations as spans', async () => {
    // Leaks two fetches at a time, each pair under its own path, until the trace ends: however
    // loaded the machine, some pairs start in its window (those before it are not in it).
    let traceEnded = false;
    const tracing = get(url('trace?seconds=1')).finally(() => (traceEnded = true));
    for (let pair = 0; !traceEnded; pair++) {
      await get(`${server.base}/leak?n=2&path=/during-trace-${pair}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { status, headers, body } = await tracing;
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(headers.get('content-disposition')).toBe('attachment; filename="trace.json"');
    const { traceEvents } = JSON.parse(body.toString()) as {
      traceEvents: { ph: string; name: string; ts: number; dur: number; id?: string; cat?: string; args?: { source?: string } }[];
    };
    const slices = traceEvents.filter((event) => event.ph === 'X');
    const hashing = slices.filter((event) => event.name === 'hashAround');
    // The app hashes 5 ms in every 10: how many of its turns fall in the second depends on the load.
    expect(hashing.length).toBeGreaterThan(0);
    expect(hashing[0]!.args!.source).toMatch(/http\/server\.ts:\d+$/);
    // Slices nest: two slices either do not overlap or one holds the other.
    const sorted = [...slices].sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    const open: { end: number }[] = [];
    for (const slice of sorted) {
      while (open.length > 0 && open[open.length - 1]!.end <= slice.ts) open.pop();
      if (open.length > 0) expect(slice.ts + slice.dur).toBeLessThanOrEqual(open[open.length - 1]!.end);
      open.push({ end: slice.ts + slice.dur });
    }
    const leaked = traceEvents.filter((event) => event.ph === 'b' && event.cat === 'fetch' && /\/during-trace-\d+$/.test(event.name));
    const perPath = new Map<string, number>();
    for (const begin of leaked) perPath.set(begin.name, (perPath.get(begin.name) ?? 0) + 1);
    expect(perPath.size).toBeGreaterThan(0);
    for (const [name, count] of perPath) expect(count, name).toBe(2);
    for (const begin of leaked) expect(traceEvents.filter((event) => event.ph === 'e' && event.id === begin.id)).toHaveLength(1);
  });

  it('shows a leak of pending fetches on the line that leaks, with the right count', async () => {
    await get(`${server.base}/leak?n=7`);
    const coalesced = (await get(url('goroutine?debug=1'))).body.toString();
    const group = coalesced.split('\n\n').find((block) => block.includes('/never'));
    expect(coalesced).toMatch(/^async profile: total \d+\n/);
    expect(group).toMatch(
      /^7 @ (0x[0-9a-f]+) (0x[0-9a-f]+)[ x0-9a-f]*\n#\t\1\tfetch fetch GET http:\/\/127\.0\.0\.1:\d+\/never\n#\t\2\tleakFetch\t.*http\/server\.ts:\d+\n/m,
    );
    // pprof reads the text as a legacy count profile (as it reads Go's goroutine?debug=1): ours and Go's alike.
    const file = join(mkdtempSync(join(tmpdir(), 'async-debug-')), 'async.txt');
    writeFileSync(file, coalesced);
    const total = Number(/^async profile: total (\d+)/.exec(coalesced)![1]);
    const read = decodeProfile(Buffer.from(coalesced));
    expect(sampleTypeNames(read)).toEqual(['async/count']);
    expect(read.samples.reduce((sum, sample) => sum + sample.values[0]!, 0)).toBe(total);
    if (goBinary()) {
      const theirs = spawnSync(goBinary()!, ['tool', 'pprof', '-top', file], { encoding: 'utf8' });
      expect(theirs.status, theirs.stderr).toBe(0);
      expect(theirs.stdout).toContain(` of ${total} total\n`);
      expect(runPprofCommand(['-top', file]).stdout).toBe(theirs.stdout);
    }
    const each = (await get(url('async?debug=2'))).body.toString();
    expect(each.match(/\[fetch fetch GET http:\/\/127\.0\.0\.1:\d+\/never, \d+ (ms|seconds)\]/g)).toHaveLength(7);
    const profile = decodeProfile((await get(url('async'))).body);
    expect(sampleTypeNames(profile)).toEqual(['ops/count']);
    const leaks = stacks(profile).filter(({ frames }) => frames[0]!.includes('/never') && frames[1]!.startsWith('leakFetch '));
    expect(leaks.reduce((sum, { values }) => sum + values[0]!, 0)).toBe(7);
  });

  it.each([
    ['profile?seconds=abc', 'seconds=abc is not a whole number of seconds from 1 to 300'],
    ['profile?seconds=-1', 'seconds=-1 is not a whole number of seconds from 1 to 300'],
    ['profile?seconds=0', 'seconds=0 is not a whole number of seconds from 1 to 300'],
    ['profile?seconds=3.5', 'seconds=3.5 is not a whole number of seconds from 1 to 300'],
    ['wall?seconds=1e9', 'seconds=1e9 is not a whole number of seconds from 1 to 300'],
    ['profile?seconds=301', 'seconds=301 is not a whole number of seconds from 1 to 300'],
    ['heap?debug=7', 'debug=7 is not a level this profile has: use 0, 1'],
    ['goroutine?debug=3', 'debug=3 is not a level this profile has: use 0, 1, 2'],
    ['trace?seconds=x', 'seconds=x is not a whole number of seconds from 1 to 300'],
    ['heap?gc=maybe', 'gc=maybe is not 0 or 1'],
    ['wall?seconds=1&format=svg', 'format=svg is not a format: use pprof or folded'],
  ])('answers %s with 400: %s', async (path, message) => {
    const { status, body } = await get(url(path));
    expect(status).toBe(400);
    expect(body.toString()).toBe(`${message}\n`);
  });

  it('serves one of ten concurrent CPU profiles, and tells the nine others what runs until when', async () => {
    // A 20 s profile, given up once the nine others have their answers: a 1 s one could end before
    // a busy machine's server had heard all ten, and a second would run.
    const controller = new AbortController();
    const answers = Array.from({ length: 10 }, () => get(url('profile?seconds=20'), { signal: controller.signal }));
    await new Promise<void>((resolve) => {
      let settled = 0;
      const settledOne = () => {
        if (++settled === 9) resolve();
      };
      for (const answer of answers) answer.then(settledOne, settledOne);
    });
    controller.abort();
    const results = await Promise.allSettled(answers);
    const refused = results.flatMap((result) => (result.status === 'fulfilled' && result.value.status === 409 ? [result.value] : []));
    expect(refused).toHaveLength(9);
    // The one that runs answers when its profile ends: it was given up before that.
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
    for (const { body } of refused)
      expect(body.toString()).toMatch(
        /^another profile is running, so this one cannot: a 20 s profile profile requested by .+, until \d{4}-\d\d-\d\dT.+; try again then\n$/,
      );
    // The next test starts when the sampler is free again: the app hears of the close when it next runs.
    const deadline = Date.now() + 60_000;
    while ((await get(url('profile?seconds=1'))).status !== 200 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  });

  it('stops a profile whose client went away, so the next one runs at once', async () => {
    const controller = new AbortController();
    const abandoned = fetch(url('profile?seconds=20'), { signal: controller.signal }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    expect(await abandoned).toBe('aborted');
    // The app hears of the close when it next runs, later on a busy machine: the sampler must be
    // free well before the abandoned 20 s would have ended (a busy sampler answers 409 at once).
    const statuses: number[] = [];
    const deadline = Date.now() + 12_000;
    while (statuses.at(-1) !== 200 && Date.now() < deadline) {
      if (statuses.length > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      statuses.push((await get(url('profile?seconds=1'))).status);
    }
    expect(statuses.at(-1), `statuses: ${statuses.join(', ')}`).toBe(200);
  });

  it("does not list its own timers among the program's operations", async () => {
    const profiling = get(url('profile?seconds=1'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const each = (await get(url('async?debug=2'))).body.toString();
    await profiling;
    expect(each).not.toMatch(/setTimeout 1000ms/);
    expect(each).not.toContain('debug-pprof.ts');
  });

  it('never hands an error to the app, and the app stays up', () => {
    expect(server.stderr()).not.toContain('app error handler reached');
    expect(server.child.exitCode).toBeNull();
  });

  describe.skipIf(!goBinary())('read by the real go tool pprof', () => {
    it.each(['profile?seconds=1', 'heap', 'wall?seconds=1'])('go tool pprof -top %s', async (path) => {
      const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) =>
        execFile(goBinary()!, ['tool', 'pprof', '-top', url(path)], { env: { ...process.env, PPROF_TMPDIR: '/tmp/debug-pprof-test' } }, (error, out) =>
          error ? reject(error) : resolve({ stdout: out }),
        ),
      );
      expect(stdout).toMatch(/^Type: (cpu|inuse_space|wall)$/m);
      expect(stdout).toMatch(/^ +flat +flat% +sum% +cum +cum%$/m);
    });

    const goPprof = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(goBinary()!, ['tool', 'pprof', ...args], { env: { ...process.env, PPROF_TMPDIR: '/tmp/debug-pprof-test' } }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
      );

    it('reads the paths scrapers ask for as fgprof and Go name them: /allocs, /goroutine, and /debug/fgprof with -sample_index=time', async () => {
      expect((await goPprof(['-top', url('allocs')])).stdout).toMatch(/^Type: inuse_space$/m);
      expect((await goPprof(['-top', url('goroutine')])).stdout).toMatch(/^Type: goroutine$/m);
      // Every row (-nodefraction=0): on a busy machine the app's hashing may be under 0.5% of the second.
      const fgprof = await goPprof(['-top', '-nodefraction=0', '-sample_index=time', `${server.base}/debug/fgprof?seconds=1`]);
      expect(fgprof.stdout).toMatch(/^Type: time$/m);
      // The app's hashing, by its function or, where V8 lost that frame (see expectHashingIn), by the hash's own.
      expect(fgprof.stdout).toMatch(/\s(hashAround|Hash|update|digest)$/m);
    });

    it('prints the reason of an error, not only its status', async () => {
      const { code, stderr } = await goPprof(['-top', url('mutex')]);
      expect(code).not.toBe(0);
      expect(stderr).toMatch(/404 Not Found - mutex: not available in Node: JavaScript has no mutexes/);
    });
  });
});

describe('debugPprof allocations', () => {
  it('serves every allocation since it was created, and those of a window with ?seconds', async () => {
    const server = await startServer({ HEAP_SAMPLING: 'allocs' });
    const url = (path: string) => `${server.base}/debug/pprof/${path}`;
    const through = (profile: ReturnType<typeof decodeProfile>, name: string) =>
      stacks(profile)
        .filter(({ frames }) => frames.some((frame) => frame.startsWith(`${name} `)))
        .reduce((sum, { values }) => sum + values[0]!, 0);
    try {
      for (let i = 0; i < 5; i++) await get(`${server.base}/churn`);
      const total = decodeProfile((await get(url('allocs'))).body);
      expect(sampleTypeNames(total)).toEqual(['alloc_space/bytes', 'alloc_objects/count']);
      expect(through(total, 'churnEarly')).toBeGreaterThan(5 * 2 ** 20);
      // Churns until the window ends, whenever it began: however loaded the machine, some fall in it.
      let windowEnded = false;
      const window = get(url('allocs?seconds=1')).finally(() => (windowEnded = true));
      while (!windowEnded) await get(`${server.base}/churn?late=1`);
      const delta = decodeProfile((await window).body);
      expect(through(delta, 'churnLate')).toBeGreaterThan(0);
      // What was allocated before the window is not in it.
      expect(through(delta, 'churnEarly')).toBe(0);
      const heap = await get(url('heap'));
      expect(heap.status).toBe(404);
      expect(heap.body.toString()).toMatch(/^heap: this router samples every allocation/);
    } finally {
      server.child.kill();
    }
  }, 60_000);
});

describe('debugPprof access control', () => {
  it('asks for the bearer token when one is set, and takes the right one', async () => {
    const server = await startServer({ TOKEN: 's3cret' });
    try {
      const url = `${server.base}/debug/pprof/cmdline`;
      const missing = await get(url);
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      expect((await get(url, { headers: { authorization: 'Bearer wrong!' } })).status).toBe(401);
      expect((await get(url, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    } finally {
      server.child.kill();
    }
  }, 30_000);

  it('refuses, when created, a token that is empty or not a string, which would turn authentication off', () => {
    expect(() => debugPprof({ token: '' })).toThrow('token must be a non-empty string, got an empty string; leave it out for no token');
    expect(() => debugPprof({ token: 42 as unknown as string })).toThrow('token must be a non-empty string, got number; leave it out for no token');
    expect(() => debugPprof({ token: null as unknown as string })).toThrow('token must be a non-empty string, got object; leave it out for no token');
  });

  it('refuses, when created, a token no request can carry, which would lock everyone out', () => {
    expect(() => debugPprof({ token: 's3cret\n' })).toThrow(
      'token cannot be sent in an Authorization header, so no request could ever match it: it holds the control character "\\n" at position 6 (a file\'s final newline? trim it)',
    );
    expect(() => debugPprof({ token: 'a\u0000b' })).toThrow(/it holds the control character "\\u0000" at position 1/);
    expect(() => debugPprof({ token: 's3cret ' })).toThrow(
      'token cannot be sent in an Authorization header, so no request could ever match it: it ends with a space or tab, which HTTP drops from a header (trim it)',
    );
  });

  it('takes a token with spaces and tabs inside, as a header carries them', async () => {
    const token = ' two\twords here';
    const server = await startServer({ TOKEN: token });
    try {
      const url = `${server.base}/debug/pprof/cmdline`;
      expect((await get(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await get(url, { headers: { authorization: `Bearer ${token.trim()}` } })).status).toBe(401);
    } finally {
      server.child.kill();
    }
  }, 30_000);

  it('takes a token beyond ASCII, sent as UTF-8 bytes, and no near miss', async () => {
    const token = 'pässwörd-✓-密码';
    const server = await startServer({ TOKEN: token });
    try {
      const url = `${server.base}/debug/pprof/cmdline`;
      // fetch sends each character of a header below 256 as one byte: these are the UTF-8 bytes.
      const asBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
      expect((await get(url, { headers: { authorization: `Bearer ${asBytes(token)}` } })).status).toBe(200);
      expect((await get(url, { headers: { authorization: `Bearer ${asBytes(token.slice(0, -1))}` } })).status).toBe(401);
      expect((await get(url, { headers: { authorization: `Bearer ${asBytes(`${token}x`)}` } })).status).toBe(401);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: every character a byte cannot hold, control characters included
      expect((await get(url, { headers: { authorization: `Bearer ${token.normalize('NFD').replace(/[^\x00-\xff]/g, '?')}` } })).status).toBe(401);
    } finally {
      server.child.kill();
    }
  }, 30_000);

  it('answers a request from this machine addressed to another name with 421 and why (DNS rebinding), unless allowRemote lets it in', async () => {
    const server = await startServer({ ALLOW_REMOTE: 'header' });
    try {
      for (const path of ['', 'cmdline', 'heap?debug=1']) {
        const misdirected = await getAddressedTo(server.port, `/debug/pprof/${path}`, `rebind.example:${server.port}`);
        expect(misdirected.status).toBe(421);
        expect(misdirected.body).toMatch(
          /^this server answers requests addressed to this machine \(localhost, its IP addresses or its name .+\), not to rebind\.example:\d+: a web page may be trying to read it through DNS rebinding; pass allowRemote to serve requests addressed otherwise\n$/,
        );
        for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, 'localhost'])
          expect((await getAddressedTo(server.port, `/debug/pprof/${path}`, host)).status).toBe(200);
        // What allowRemote lets in (here: a local proxy forwarding a public name) it decides alone.
        expect((await getAddressedTo(server.port, `/debug/pprof/${path}`, 'profiles.example', { 'x-profile-me': 'yes' })).status).toBe(200);
      }
    } finally {
      server.child.kill();
    }
  }, 30_000);

  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
  it.skipIf(!external)(
    `refuses a client that is not on this machine's loopback (403), via ${external ?? 'no external address'}`,
    async () => {
      const server = await startServer({ HOST: '0.0.0.0' });
      try {
        const { status, body } = await get(`http://${external}:${server.port}/debug/pprof/`);
        expect(status).toBe(403);
        expect(body.toString()).toMatch(/^profiles are served to this machine only \(the request came from .+\); pass allowRemote to allow others\n$/);
      } finally {
        server.child.kill();
      }
    },
    30_000,
  );

  it.skipIf(!external)(
    'lets in the remote clients allowRemote accepts, and no others',
    async () => {
      const server = await startServer({ HOST: '0.0.0.0', ALLOW_REMOTE: 'header' });
      try {
        const remote = `http://${external}:${server.port}/debug/pprof/cmdline`;
        expect((await get(remote, { headers: { 'x-profile-me': 'yes' } })).status).toBe(200);
        expect((await get(remote, { headers: { 'x-profile-me': 'no' } })).status).toBe(403);
        expect((await get(`${server.base}/debug/pprof/cmdline`)).status).toBe(200);
      } finally {
        server.child.kill();
      }
    },
    30_000,
  );

  // 1,000 requests, some of them 1 s profiles, 50 at a time: with CPU hogs on both cores (Node 26,
  // load average 30) past 120 s. The timeout bounds a hang, not the server's speed.
  it('keeps serving and leaves no profile running after 1,000 random requests', async () => {
    const server = await startServer({ MAX_SECONDS: '1' });
    try {
      let seed = 7;
      const next = () => {
        seed = (seed * 48271) % 2147483647;
        return seed;
      };
      const pick = <T>(items: readonly T[]) => items[next() % items.length]!;
      const paths = [
        '',
        'profile',
        'wall',
        'heap',
        'allocs',
        'async',
        'goroutine',
        'cmdline',
        'block',
        'x',
        '../../etc/passwd',
        'heap/',
        '%00',
        'profile/x',
        '<script>',
      ];
      const keys = ['seconds', 'debug', 'gc', 'format', 'x', '', '%ff'];
      const values = ['1', '0', '-1', 'abc', '1e9', '2', '3.5', '', 'folded', 'pprof', '%00', '<b>', '99999999999999999999'];
      const requests = Array.from({ length: 1000 }, () => {
        const query = Array.from({ length: next() % 3 }, () => `${pick(keys)}=${pick(values)}`).join('&');
        return `${server.base}/debug/pprof/${pick(paths)}${query ? `?${query}` : ''}`;
      });
      const statuses: number[] = [];
      for (let i = 0; i < requests.length; i += 50)
        statuses.push(...(await Promise.all(requests.slice(i, i + 50).map(async (request) => (await fetch(request)).status))));
      expect(statuses.filter((status) => status >= 500)).toEqual([]);
      // Nothing still runs: a CPU profile starts at once.
      expect((await get(`${server.base}/debug/pprof/profile?seconds=1`)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
      expect(server.stderr()).not.toContain('app error handler reached');
    } finally {
      server.child.kill();
    }
  }, 600_000);
});
