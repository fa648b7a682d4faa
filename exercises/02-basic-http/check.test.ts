import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, it } from 'vitest';
import { decodeProfile, sampleTypeIndex, type Profile } from '#pprof';
import { NotDone, exerciseFolder, notDone, readAnswers } from '#workshop';

/**
 * The check runs your main.ts itself, on a free port, asks its /debug/pprof what the lesson
 * asked you to, and stops it: a server left running in another terminal plays no part.
 */
const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    profile_first_bytes: { kind: 'string', describe: 'the first two bytes of a profile, as od -c prints them, e.g. "abc def"' },
    cmdline_parts: { kind: 'integer', describe: 'how many parts /debug/pprof/cmdline lists: node, the script, then each argument' },
    index_profiles: { kind: 'integer', describe: 'how many profiles the index page links to' },
    hottest_handler: { kind: 'string', describe: 'the route handler of main.ts with the most CPU time under load' },
  });

interface Server {
  base: string;
  child: ChildProcess;
}

let starting: Promise<Server> | undefined;
const server = () => (starting ??= start());
/** The server started, kept here so that it can be stopped synchronously, even as the process exits. */
let started: ChildProcess | undefined;
const stop = () => void started?.kill();
afterAll(stop);
process.once('exit', stop);

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts main.ts as the lesson does, with a port argument, and waits until it answers. */
async function start(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts', String(port)], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  started = child;
  let output = '';
  child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const last = output.trim().split('\n').pop() ?? '';
      throw new NotDone(`main.ts stopped before it served (exit code ${child.exitCode}${last ? `: ${last}` : ''}): try npm run exercise 02-basic-http 8080`);
    }
    if (Date.now() > deadline) {
      child.kill();
      throw new NotDone('main.ts did not answer within a minute of starting: does npm run exercise 02-basic-http 8080 print its URLs?');
    }
    try {
      const response = await fetch(`${base}/debug/pprof/cmdline`);
      await response.arrayBuffer();
      if (response.ok) return { base, child };
      throw new NotDone(`main.ts answers /debug/pprof/cmdline with ${response.status}: is debugPprof() still mounted at /debug/pprof?`);
    } catch (error) {
      if (error instanceof NotDone) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function get(path: string): Promise<Buffer> {
  const { base } = await server();
  const response = await fetch(`${base}${path}`);
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) notDone(`main.ts answers ${path} with ${response.status}: ${body.toString().split('\n')[0]}`);
  return body;
}

/**
 * A 2-second CPU profile taken while requests to both routes keep the server busy, one after
 * another, as the lesson's curl loop sends them: its raw bytes, as the server sent them.
 */
let underLoad: Promise<Buffer> | undefined;
const profileUnderLoad = () =>
  (underLoad ??= (async () => {
    const { base } = await server();
    let done = false;
    const profile = get('/debug/pprof/profile?seconds=2').finally(() => (done = true));
    while (!done) {
      for (const path of ['/primes', '/token?user=check']) await (await fetch(`${base}${path}`)).arrayBuffer();
    }
    return profile;
  })());

/** A byte as `od -c` prints it: the character if printable, a C escape, or three octal digits. */
function odChar(byte: number): string {
  const escapes: Record<number, string> = { 0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
  if (escapes[byte]) return escapes[byte];
  if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
  return byte.toString(8).padStart(3, '0');
}

/**
 * Each sample's entry into main.ts: the outermost frame of a function in main.ts, which is the
 * handler express called. Its CPU time, summed by name.
 */
function timeByHandler(profile: Profile): Map<string, number> {
  const mainFile = fileURLToPath(new URL('main.ts', import.meta.url));
  const inMain = (file: string) => file.replace(/^file:\/\//, '') === mainFile;
  const cpu = sampleTypeIndex(profile, 'cpu');
  const totals = new Map<string, number>();
  for (const sample of profile.samples) {
    // Leaf first: the last frame of main.ts met is the outermost.
    const functions = sample.locations.flatMap((location) => location.lines.map((line) => line.function));
    const entry = functions.filter((fn) => inMain(fn.filename)).pop();
    if (entry) totals.set(entry.name, (totals.get(entry.name) ?? 0) + (sample.values[cpu] ?? 0));
  }
  return totals;
}

/** Every function of main.ts in the profile, handlers or not. */
function mainFunctions(profile: Profile): Set<string> {
  const mainFile = fileURLToPath(new URL('main.ts', import.meta.url));
  return new Set(profile.functions.filter((fn) => fn.filename.replace(/^file:\/\//, '') === mainFile).map((fn) => fn.name));
}

it('sees the signature every profile starts with', async () => {
  const { profile_first_bytes: answer } = answers();
  const bytes = await profileUnderLoad();
  const actual = [...bytes.subarray(0, 2)].map(odChar).join(' ');
  // What follows od's offset column, spaces as they may be.
  const given = answer.trim().replace(/^0000000\s+/, '').split(/\s+/).join(' ');
  if (given !== actual) notDone(`profile_first_bytes is "${answer}": that is not how od -c shows the first two bytes your server's profiles start with (curl -s 'http://localhost:8080/debug/pprof/profile?seconds=2' | od -c | head -1)`);
});

it('reads the command line the server shows', async () => {
  const { cmdline_parts: answer } = answers();
  const parts = (await get('/debug/pprof/cmdline')).toString().split('\0');
  if (answer === parts.length) return;
  if (answer === parts.length - 2) notDone(`cmdline_parts is ${answer}: that counts the arguments after the script, not every part. cmdline is process.argv: the path of node and the path of the script come first`);
  notDone(`cmdline_parts is ${answer}, but /debug/pprof/cmdline of a server started as step 1 starts it (npm run exercise 02-basic-http 8080) lists another number: count the parts between the \\0s od -c shows, the path of node first`);
});

it('counts the profiles the index page links to', async () => {
  const { index_profiles: answer } = answers();
  const html = (await get('/debug/pprof/')).toString();
  const actual = html.match(/<tr><td align="right">[^<]*<\/td><td><a href=/g)?.length ?? 0;
  if (actual === 0) notDone('the index page of your server lists no profiles: is debugPprof() mounted at /debug/pprof?');
  if (answer !== actual) notDone(`index_profiles is ${answer}, but the index page of your server links to another number of profiles: count the names that are links (n/a rows are not)`);
});

it('finds the hottest route handler under load', async () => {
  const { hottest_handler: answer } = answers();
  const profile = decodeProfile(await profileUnderLoad());
  const handlers = [...timeByHandler(profile)].sort(([, a], [, b]) => b - a);
  const hottest = handlers[0]?.[0];
  if (!hottest) notDone('a profile of your server under load shows none of main.ts: are /primes and /token still routed to its handlers?');
  if (answer.trim() === hottest) return;
  if (mainFunctions(profile).has(answer.trim())) notDone(`hottest_handler is "${answer}": that function of main.ts is not the route handler express calls with the most CPU time (compare cum, and see who calls whom with -peek)`);
  notDone(`hottest_handler is "${answer}": name the function of main.ts that handles the busiest route, as -top spells it (sort by cum with -cum)`);
});
