/**
 * Debugme: the catalogue service of a document archive. Users upload plain-text documents
 * (contracts, reports, minutes) of about a megabyte each; the service checks each one, notes
 * its title (its first line), size, line count and checksum in the catalogue, and answers.
 * The texts go on to the archive's storage; this service keeps only the catalogue.
 *
 *   npm run exercise memory-leak              serve on http://localhost:8080 while users upload, until Ctrl-C
 *   npm run exercise memory-leak 9090         the same on port 9090
 *   npm run exercise memory-leak profile      400 uploads, then a heap profile -> heap.pb.gz
 *   npm run exercise memory-leak check        150 uploads, then what the heap holds, as JSON (the check runs this)
 *
 * The users run in a process of their own (uploader.ts), so this process's heap holds the
 * service alone.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import express, { type Request, type Response } from 'express';
import { heapProfile, writeProfile } from '#profiler';
import { debugPprof } from '#profiler/http';

interface CatalogueEntry {
  id: number;
  title: string;
  bytes: number;
  lines: number;
  sha256: string;
  receivedAt: string;
}

const MAX_UPLOAD_CHARACTERS = 8 * 2 ** 20;
/** How many documents the profile run uploads, and the check's (fewer: enough to tell a leak, quicker). */
const BATCH_DOCUMENTS = { profile: 400, check: 150 };

/** Every document received, by its checksum: a few hundred bytes each. */
const catalogue = new Map<string, CatalogueEntry>();
let nextId = 1;

class UploadTooLarge extends Error {}

/** The body of an upload, as text, read a piece at a time. */
async function readUpload(request: Request): Promise<string> {
  request.setEncoding('utf8');
  let text = '';
  for await (const piece of request as AsyncIterable<string>) {
    text += piece;
    if (text.length > MAX_UPLOAD_CHARACTERS) throw new UploadTooLarge(`a document may have ${MAX_UPLOAD_CHARACTERS} characters at most`);
  }
  return text;
}

function countLines(text: string): number {
  let lines = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

/**
 * A string of its own with the same characters. V8 makes a piece of 13 characters or more cut
 * from a string (slice, substring, trim, split, a match) a view into that string, so keeping
 * the piece keeps the whole string: a 60-character title held a megabyte of document.
 */
function ownCopy(piece: string): string {
  return Buffer.from(piece, 'utf8').toString('utf8');
}

/** The catalogue entry of a document: its title is its first line. */
function describe(text: string): CatalogueEntry {
  const end = text.indexOf('\n');
  // The catalogue outlives the text by far: it keeps a copy of the title, not a view into the text.
  const title = ownCopy((end < 0 ? text : text.slice(0, end)).trim());
  return {
    id: nextId++,
    title,
    bytes: Buffer.byteLength(text),
    lines: countLines(text),
    sha256: createHash('sha256').update(text).digest('hex'),
    receivedAt: new Date().toISOString(),
  };
}

/** POST /documents: catalogue an uploaded document. */
async function receiveDocument(request: Request, response: Response): Promise<void> {
  let text: string;
  try {
    text = await readUpload(request);
  } catch (error) {
    if (!(error instanceof UploadTooLarge)) throw error;
    response.status(413).type('text/plain').send(`${error.message}\n`);
    return;
  }
  const entry = describe(text);
  if (entry.title === '') {
    response.status(400).type('text/plain').send('a document starts with its title, on a line of its own\n');
    return;
  }
  const known = catalogue.get(entry.sha256);
  if (known) {
    response.status(409).type('text/plain').send(`the archive already holds this document, as "${known.title}"\n`);
    return;
  }
  catalogue.set(entry.sha256, entry);
  response.status(201).json(entry);
}

const app = express();
app.use('/debug/pprof', debugPprof());
app.post('/documents', receiveDocument);
app.get('/documents', (_request, response) => {
  response.json([...catalogue.values()].map(({ id, title, bytes }) => ({ id, title, bytes })));
});
app.get('/health', (_request, response) => {
  response.type('text/plain').send('ok\n');
});

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** A full garbage collection now: V8's gc(), exposed to a fresh context, not to this program's globals. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

/** The users, in their own process (started as this one was, with tsx), pointed at the service. */
async function startUploader(server: Server, args: string[]): Promise<ChildProcess> {
  const uploader = fork('uploader.ts', args, { execArgv: process.execArgv });
  // It says when it listens for messages: one sent before that would be lost.
  await new Promise((resolve, reject) => {
    uploader.once('message', resolve);
    uploader.once('exit', (code) => reject(new Error(`uploader.ts stopped (exit code ${code}) before it started`)));
  });
  uploader.send({ origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  return uploader;
}

/** profile and check: a batch of uploads, then the heap as it is once they are over. */
async function batch(mode: 'profile' | 'check'): Promise<void> {
  const server = await listen(0);
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const uploader = await startUploader(server, ['batch', String(BATCH_DOCUMENTS[mode])]);
  const report = await new Promise<{ uploaded: number; bytes: number; listed: number }>((resolve, reject) => {
    uploader.once('message', resolve);
    uploader.once('exit', (code) => reject(new Error(`the uploader stopped (exit code ${code}) before it was done`)));
  });
  // Every request is over: whatever the heap still holds, something in the service keeps.
  if (mode === 'profile') writeProfile('heap.pb.gz', heapProfile({ gc: true }));
  collectGarbage();
  const growth = process.memoryUsage().heapUsed - before;
  server.closeAllConnections();
  server.close();
  if (mode === 'check') {
    console.log(JSON.stringify({ uploaded: report.uploaded, uploadedBytes: report.bytes, listed: report.listed, catalogued: catalogue.size, heapGrowthBytes: growth }));
    return;
  }
  console.log(`${report.uploaded} documents uploaded (${mib(report.bytes)}), ${catalogue.size} in the catalogue; after a full GC the heap holds ${mib(growth)} more than before the first`);
  console.log('wrote heap.pb.gz');
}

/** Serves until Ctrl-C while users upload ten documents a second, saying how the heap grows. */
async function serve(port: number): Promise<void> {
  let server: Server;
  try {
    server = await listen(port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') console.error(`port ${port} is in use (this program in another terminal?): stop it, or choose another port: npm run exercise memory-leak ${port + 1}`);
    else console.error(`cannot serve on 127.0.0.1:${port}: ${(error as Error).message}`);
    process.exit(1);
  }
  const base = `http://localhost:${(server.address() as AddressInfo).port}`;
  console.log(`Serving on ${base}/ until Ctrl-C; users upload ten documents a second (1,000 at most)`);
  console.log(`  the catalogue: ${base}/documents`);
  console.log(`  profiles:      ${base}/debug/pprof/   (heap: ${base}/debug/pprof/heap?gc=1)`);
  const uploader = await startUploader(server, ['steady', '1000', '10']);
  const timer = setInterval(() => {
    console.log(`  ${catalogue.size} documents catalogued, heap in use ${mib(process.memoryUsage().heapUsed)}`);
  }, 5_000);
  uploader.once('message', () => console.log(`  the users have uploaded all they had: ${catalogue.size} documents catalogued (still serving)`));
  process.on('SIGINT', () => {
    clearInterval(timer);
    uploader.kill();
    console.log('\nstopped');
    process.exit(0);
  });
}

const [argument] = process.argv.slice(2);
if (argument === 'profile' || argument === 'check') await batch(argument);
else {
  const port = Number(argument ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`expected a port (0 to 65535), profile or check, not ${argument}: npm run exercise memory-leak profile`);
    process.exit(2);
  }
  await serve(port);
}
