/**
 * Exercise 02: a small express server with the workshop's /debug/pprof mounted.
 *
 *   npm run exercise 02-basic-http          serves on http://localhost:8080 until Ctrl-C
 *   npm run exercise 02-basic-http 9090     the same on port 9090
 *
 * Two routes do real work: /primes counts primes by trial division, /token derives a key with
 * PBKDF2 for each token it signs. /debug/pprof/ serves this process's profiles.
 */
import { createHmac, pbkdf2Sync } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { debugPprof } from '#profiler/http';

const DEFAULT_PORT = 8080;
/** Only this machine can reach the server; the profiles, by default, only this machine too. */
const HOST = '127.0.0.1';
/** From the environment, not an argument: /debug/pprof/cmdline shows every argument. */
const SECRET = process.env.TOKEN_SECRET ?? 'not-a-real-secret';

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let divisor = 2; divisor * divisor <= n; divisor++) if (n % divisor === 0) return false;
  return true;
}

function countPrimes(below: number): number {
  let count = 0;
  for (let n = 2; n < below; n++) if (isPrime(n)) count++;
  return count;
}

/** A token for `user`, signed with a key derived from the secret: slow on purpose, as password hashing is. */
function issueToken(user: string): string {
  const key = pbkdf2Sync(SECRET, `token:${user}`, 20_000, 32, 'sha256');
  return `${user}.${createHmac('sha256', key).update(user).digest('base64url')}`;
}

/** A whole number from the query, or the default; undefined when it is not one. */
function queryNumber(request: Request, name: string, fallback: number, max: number): number | undefined {
  const raw = request.query[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  return value >= 1 && value <= max ? value : undefined;
}

/** GET /primes?below=N: how many primes there are below N (300,000 by default). */
function handlePrimes(request: Request, response: Response): void {
  const below = queryNumber(request, 'below', 300_000, 10_000_000);
  if (below === undefined) {
    response.status(400).type('text/plain').send('below must be a whole number from 1 to 10000000\n');
    return;
  }
  response.type('text/plain').send(`${countPrimes(below)} primes below ${below}\n`);
}

/** GET /token?user=NAME: a signed token for the user. */
function handleToken(request: Request, response: Response): void {
  const user = typeof request.query.user === 'string' && request.query.user !== '' ? request.query.user.slice(0, 64) : 'guest';
  response.type('text/plain').send(`${issueToken(user)}\n`);
}

const app = express();
app.use('/debug/pprof', debugPprof());
app.get('/primes', handlePrimes);
app.get('/token', handleToken);
app.get('/', (_request, response) => {
  response.type('text/plain').send('GET /primes?below=N   GET /token?user=NAME   GET /debug/pprof/\n');
});

const port = Number(process.argv[2] ?? DEFAULT_PORT);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`the port must be a whole number from 0 to 65535, not ${process.argv[2]}: npm run exercise 02-basic-http 9090`);
  process.exit(2);
}

/** Says why the server could not start, in a way that says what to do, and stops. */
function cannotServe(error: NodeJS.ErrnoException): never {
  if (error.code === 'EADDRINUSE') console.error(`port ${port} is in use: another server runs there (this exercise in another terminal?). Stop it, or choose another port: npm run exercise 02-basic-http ${port === DEFAULT_PORT ? 8081 : port + 1}`);
  else if (error.code === 'EACCES') console.error(`port ${port} needs more privileges than this user has: choose one above 1023, e.g. npm run exercise 02-basic-http ${DEFAULT_PORT}`);
  else console.error(`cannot serve on ${HOST}:${port}: ${error.message}`);
  process.exit(1);
}

// Express 5 calls back with the error when listening fails (the port is taken), else without.
const server = app.listen(port, HOST, (error?: Error) => {
  if (error) cannotServe(error);
  const address = server.address();
  const base = `http://localhost:${typeof address === 'object' && address ? address.port : port}`;
  console.log(`Serving on ${base}/ until Ctrl-C`);
  console.log(`  work:      ${base}/primes   ${base}/token?user=ada`);
  console.log(`  profiles:  ${base}/debug/pprof/   ${base}/debug/pprof/cmdline   ${base}/debug/pprof/profile?seconds=2`);
});
// Ctrl-C: say so, and exit with code 0 rather than as killed by the signal.
process.on('SIGINT', () => {
  console.log('\nstopped');
  process.exit(0);
});
