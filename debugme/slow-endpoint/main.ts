/**
 * Debugme: the lending API of a public library. Anyone can browse the catalogue (a book's page,
 * a search); members sign in with their card number and password to renew their loans.
 *
 *   npm run exercise slow-endpoint            serve on http://localhost:8080 under load, until Ctrl-C
 *   npm run exercise slow-endpoint 9090       the same on port 9090
 *   npm run exercise slow-endpoint profile    3 s of CPU profile under load -> cpu.pb.gz, and the latencies
 *   npm run exercise slow-endpoint check      2 s under load, profiled into check-cpu.pb.gz; the latencies and the members' keys as JSON (the check runs this)
 *
 * The load comes from visitors in a process of their own (clients.ts), so the profile holds the
 * service alone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { startCPUProfile, stopCPUProfile, writeProfile } from '#profiler';
import { debugPprof } from '#profiler/http';
import type { LatencyReport } from './clients.ts';

interface Book {
  id: number;
  title: string;
  author: string;
  year: number;
}

interface Member {
  card: string;
  name: string;
  salt: Buffer;
  /** The key scrypt derives from the member's password and salt: the password itself is never stored. */
  key: Buffer;
}

/** scrypt's cost: what makes a stolen table of keys slow to guess passwords from (32 MiB and some 100 ms a key). */
const SCRYPT_COST = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 };
const KEY_LENGTH = 64;
const SESSION_SECRET = randomBytes(32);
const SESSION_HOURS = 8;

const words = ['garden', 'river', 'winter', 'history', 'cooking', 'stone', 'light', 'city', 'sea', 'forest', 'night', 'glass'];
const authors = ['A. Okafor', 'M. Lindqvist', 'R. Tanaka', 'S. Moreau', 'J. Alvarez', 'E. Novak', 'P. Mensah'];
const books: Book[] = Array.from({ length: 2_000 }, (_, id) => ({
  id,
  title: `The ${words[id % words.length]} of ${words[(id * 7 + 3) % words.length]}${id % 4 === 0 ? ': a history of ' + words[(id * 5) % words.length] : ''}`,
  author: authors[id % authors.length]!,
  year: 1950 + (id % 75),
}));

function hashPassword(password: string, salt: Buffer): Buffer {
  return scryptSync(password, salt, KEY_LENGTH, SCRYPT_COST);
}

/** The members, as the membership database would hold them. */
const members = new Map<string, Member>(
  ['Ada', 'Bram', 'Chiara', 'Dmitri'].map((name, n) => {
    const salt = randomBytes(16);
    return [`card-${1000 + n}`, { card: `card-${1000 + n}`, name, salt, key: hashPassword(`open sesame ${n}`, salt) }];
  }),
);

/** Whether `password` is the member's: the same key, derived from it with the member's salt. */
function verifyPassword(member: Member, password: string): boolean {
  const key = scryptSync(password, member.salt, KEY_LENGTH, SCRYPT_COST);
  return timingSafeEqual(key, member.key);
}

/** A session token: the card and the expiry, signed, so that any instance of the service can check it. */
function issueSession(card: string): string {
  const payload = `${card}.${Date.now() + SESSION_HOURS * 3_600_000}`;
  return `${payload}.${createHmac('sha256', SESSION_SECRET).update(payload).digest('base64url')}`;
}

function search(query: string): Book[] {
  const wanted = query.toLowerCase();
  return books.filter((book) => book.title.includes(wanted)).slice(0, 20);
}

const app = express();
app.use('/debug/pprof', debugPprof());
app.get('/books/:id', (request, response) => {
  const book = books[Number(request.params.id)];
  if (book) response.json(book);
  else response.status(404).json({ error: 'no such book' });
});
app.get('/books', (request, response) => {
  response.json(search(String(request.query.q ?? '')));
});
app.post('/login', express.json(), (request, response) => {
  const { card, password } = (request.body ?? {}) as { card?: unknown; password?: unknown };
  const member = typeof card === 'string' ? members.get(card) : undefined;
  if (!member || typeof password !== 'string' || !verifyPassword(member, password)) {
    response.status(401).json({ error: 'wrong card number or password' });
    return;
  }
  response.json({ name: member.name, token: issueSession(member.card) });
});
app.get('/health', (_request, response) => {
  response.type('text/plain').send('ok\n');
});

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

/** The visitors, in their own process (started as this one was, with tsx), pointed at the service. */
async function startClients(server: Server, reportEverySeconds: number): Promise<ChildProcess> {
  const clients = fork('clients.ts', [String(reportEverySeconds)], { execArgv: process.execArgv });
  // It says when it listens for messages: one sent before that would be lost.
  await new Promise((resolve, reject) => {
    clients.once('message', resolve);
    clients.once('exit', (code) => reject(new Error(`clients.ts stopped (exit code ${code}) before it started`)));
  });
  clients.send({ origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return clients;
}

const pause = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** The latency below which `percent` of the requests came back (nearest rank). */
function percentile(sorted: readonly number[], percent: number): number {
  return sorted[Math.max(0, Math.ceil((percent / 100) * sorted.length) - 1)] ?? 0;
}

function describeLatencies(report: LatencyReport): string[] {
  return Object.entries(report.latencies).map(([route, values]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const ms = (value: number) => `${value.toFixed(0).padStart(5)} ms`;
    return `  ${route.padEnd(15)} ${String(sorted.length).padStart(5)} requests   median ${ms(percentile(sorted, 50))}   p99 ${ms(percentile(sorted, 99))}   slowest ${ms(sorted.at(-1) ?? 0)}`;
  });
}

/**
 * profile and check: the visitors for a warm-up, then SECONDS measured and profiled (check
 * writes its profile where it is told, so that cpu.pb.gz stays the one you took).
 */
async function measure(mode: 'profile' | 'check', output = mode === 'profile' ? 'cpu.pb.gz' : 'check-cpu.pb.gz'): Promise<void> {
  const SECONDS = mode === 'profile' ? 3 : 2;
  const server = await listen(0);
  const clients = await startClients(server, 0);
  await pause(mode === 'profile' ? 1 : 0.5);
  clients.send({ reset: true });
  startCPUProfile();
  await pause(SECONDS);
  writeProfile(output, stopCPUProfile());
  const report = new Promise<LatencyReport>((resolve) => clients.once('message', resolve));
  clients.send({ stop: true });
  const latencies = await report;
  server.closeAllConnections();
  server.close();
  if (mode === 'check') {
    // The members' keys too, as the membership database holds them: the check derives each again with the service's cost.
    const keys = [...members.values()].map((member) => ({ card: member.card, salt: member.salt.toString('hex'), key: member.key.toString('hex') }));
    console.log(JSON.stringify({ ...latencies, members: keys }));
    return;
  }
  console.log(`${SECONDS} s under load, latencies as the visitors saw them:`);
  for (const line of describeLatencies(latencies)) console.log(line);
  console.log('wrote cpu.pb.gz');
}

/** Serves until Ctrl-C while the visitors come and go, with their latencies every five seconds. */
async function serve(port: number): Promise<void> {
  let server: Server;
  try {
    server = await listen(port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') console.error(`port ${port} is in use (this program in another terminal?): stop it, or choose another port: npm run exercise slow-endpoint ${port + 1}`);
    else console.error(`cannot serve on 127.0.0.1:${port}: ${(error as Error).message}`);
    process.exit(1);
  }
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;
  console.log(`Serving on ${base}/ until Ctrl-C, with visitors browsing and signing in`);
  console.log(`  routes:    ${base}/books/42   ${base}/books?q=garden   POST ${base}/login   ${base}/health`);
  console.log(`  profiles:  ${base}/debug/pprof/   (CPU: ${base}/debug/pprof/profile?seconds=5)`);
  const clients = await startClients(server, 5);
  clients.on('message', (report: LatencyReport) => {
    console.log(`latencies over the last ${report.seconds.toFixed(0)} s:`);
    for (const line of describeLatencies(report)) console.log(line);
  });
  process.on('SIGINT', () => {
    clients.kill();
    console.log('\nstopped');
    process.exit(0);
  });
}

const [argument] = process.argv.slice(2);
if (argument === 'profile' || argument === 'check') await measure(argument, process.argv[3]);
else {
  const port = Number(argument ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`expected a port (0 to 65535), profile or check, not ${argument}: npm run exercise slow-endpoint profile`);
    process.exit(2);
  }
  await serve(port);
}
