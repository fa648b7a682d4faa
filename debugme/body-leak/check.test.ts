import { spawn } from 'node:child_process';
import { it } from 'vitest';
import { exerciseCommand, exerciseFolder, learnerProfile, notDone, readAnswers, waitSites } from '#workshop';

const folder = exerciseFolder(import.meta.url);
const answers = () =>
  readAnswers(folder, {
    stalled_function: { kind: 'string', describe: 'the function whose requests wait in the stalled shop' },
    stalled_line: { kind: 'integer', describe: 'the line of main.ts where it makes that request' },
  });
const profileCommand = exerciseCommand(folder, ['profile']);

it('names the call whose requests wait in the stalled shop', () => {
  const { stalled_function: name, stalled_line: line } = answers();
  const [top] = waitSites(learnerProfile(folder, 'async.pb.gz', profileCommand));
  // Three seconds of the shop as it came leave dozens of requests waiting, even on a busy machine: a few means the profile is of something else.
  if (!top || top.count < 10) notDone(`your async.pb.gz shows nothing waiting in numbers: take it from main.ts as it came, with ${profileCommand}`);
  if (name.replace(/\(\)$/, '').trim() !== top.name) notDone(`stalled_function is "${name}", but the requests waiting in your async.pb.gz were started elsewhere: in -traces (or debug=1), the first function under what they wait for`);
  if (line !== top.line) notDone(`stalled_line is ${line}, but that is not the line of ${top.name} your async.pb.gz names: -list=${top.name} shows the count on a line`);
});

const QUOTES = 200;
const CONCURRENCY = 10;
const PATIENCE_MS = 5_000;
const BUDGET_MS = 20_000;

/** The most connections the carrier had open at once in each of its reports so far. */
const carrierConnections = (output: string) => [...output.matchAll(/the carrier had up to (\d+) connections/g)].map((match) => Number(match[1]));

it(`answers ${QUOTES} quotes once fixed`, async () => {
  // The shop as `npm run exercise body-leak` starts it, customers and all, on a free port.
  const shop = spawn(process.execPath, ['--import', 'tsx', 'main.ts', '0'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = false;
  shop.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  shop.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  shop.once('exit', () => (exited = true));
  /** Waits until the shop has printed what `until` looks for, for at most `ms`. */
  const waitFor = async <T>(until: () => T | undefined, ms: number): Promise<T | undefined> => {
    for (const deadline = performance.now() + ms; performance.now() < deadline && !exited; await new Promise((resolve) => setTimeout(resolve, 50))) {
      const found = until();
      if (found !== undefined) return found;
    }
    return until();
  };
  try {
    const base = await waitFor(() => /shop on (http:\/\/\S+)/.exec(output)?.[1], 30_000);
    if (!base) notDone(`main.ts did not start its shop when the check ran it: ${output.trim().split('\n').pop() || 'it printed nothing'}`);
    const started = performance.now();
    let answered = 0;
    let next = 0;
    let unanswered: string | undefined;
    const destinations = ['DE', 'FR', 'NL', 'CH', 'IT'];
    // Ten customers at a time; the first quote without an answer in time ends the test.
    const customer = async () => {
      while (next < QUOTES && !unanswered) {
        const n = next++;
        const url = `${base}/quote?to=${destinations[n % destinations.length]}&grams=${500 + n}`;
        const response = await fetch(url, { signal: AbortSignal.timeout(PATIENCE_MS) }).catch(() => undefined);
        const price = response?.ok ? await response.json().then((body: { price?: unknown }) => body.price, () => undefined) : undefined;
        if (typeof price === 'number') answered++;
        else unanswered ??= `${url.slice(base.length)} got ${response ? `HTTP ${response.status} without a price: the shop must answer every quote` : `no answer in ${PATIENCE_MS / 1000} s: the shop still stalls`}`;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, customer));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (unanswered) notDone(`the shop answered ${answered} of the ${QUOTES} quotes the check asked for, then ${unanswered}`);
    if (performance.now() - started > BUDGET_MS) notDone(`the shop answered the check's ${QUOTES} quotes, but it took ${seconds} s: something still holds the requests up`);
    // The carrier's next report covers the check's quotes: the pool must have kept to the carrier's terms.
    const reports = carrierConnections(output).length;
    await waitFor(() => (carrierConnections(output).length > reports ? true : undefined), 10_000);
    const most = Math.max(0, ...carrierConnections(output));
    if (most > 4) notDone(`the carrier saw up to ${most} connections from the shop at once, and its terms allow four: keep the pool at four, and find what keeps its connections taken`);
  } finally {
    shop.kill();
  }
}, 90_000);
