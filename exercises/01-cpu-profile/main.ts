/**
 * Exercise 01: a CPU profile of a hashing loop.
 *
 *   npm run exercise 01-cpu-profile            1,000 rounds   -> cpu-1000.pb.gz
 *   npm run exercise 01-cpu-profile 1000000    a million      -> cpu-1000000.pb.gz
 *
 * SHA-256 is written out in TypeScript here, not taken from node:crypto, so that the profile
 * shows the work in functions and lines you can read.
 */
import { startCPUProfile, stopCPUProfile, writeProfile } from '#profiler';

const ROUND_CONSTANTS = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
  0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
  0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL_STATE = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const rotateRight = (word: number, bits: number) => (word >>> bits) | (word << (32 - bits));

/** Mixes one 64-byte block into the eight-word state: where SHA-256 spends its time. */
function compress(state: Uint32Array, block: DataView, schedule: Uint32Array): void {
  for (let i = 0; i < 16; i++) schedule[i] = block.getUint32(i * 4);
  for (let i = 16; i < 64; i++) {
    const s0 = rotateRight(schedule[i - 15]!, 7) ^ rotateRight(schedule[i - 15]!, 18) ^ (schedule[i - 15]! >>> 3);
    const s1 = rotateRight(schedule[i - 2]!, 17) ^ rotateRight(schedule[i - 2]!, 19) ^ (schedule[i - 2]! >>> 10);
    schedule[i] = (schedule[i - 16]! + s0 + schedule[i - 7]! + s1) | 0;
  }
  let [a, b, c, d, e, f, g, h] = state as unknown as number[] as [number, number, number, number, number, number, number, number];
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)) + ((e & f) ^ (~e & g)) + ROUND_CONSTANTS[i]! + schedule[i]!) | 0;
    const t2 = ((rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    [h, g, f, e, d, c, b, a] = [g, f, e, (d + t1) | 0, c, b, a, (t1 + t2) | 0];
  }
  const mixed = [a, b, c, d, e, f, g, h];
  for (let i = 0; i < 8; i++) state[i] = (state[i]! + mixed[i]!) | 0;
}

/** The SHA-256 digest of `message`, as 32 bytes. */
function sha256(message: Uint8Array): Uint8Array {
  // The message, a 1 bit, zeros, and its length in bits: a whole number of 64-byte blocks.
  const padded = new Uint8Array(Math.ceil((message.length + 9) / 64) * 64);
  padded.set(message);
  padded[message.length] = 0x80;
  const blocks = new DataView(padded.buffer);
  blocks.setUint32(padded.length - 4, message.length * 8);
  const state = new Uint32Array(INITIAL_STATE);
  const schedule = new Uint32Array(64);
  for (let offset = 0; offset < padded.length; offset += 64) compress(state, new DataView(padded.buffer, offset, 64), schedule);
  const digest = new Uint8Array(32);
  const out = new DataView(digest.buffer);
  for (let i = 0; i < 8; i++) out.setUint32(i * 4, state[i]!);
  return digest;
}

/** Hashes a seed, then each digest in turn, `rounds` times: a chain no step can skip. */
function hashChain(rounds: number): string {
  let digest: Uint8Array = new TextEncoder().encode('profiling workshop');
  for (let round = 0; round < rounds; round++) digest = sha256(digest);
  return Buffer.from(digest).toString('hex');
}

const rounds = Number(process.argv[2] ?? 1_000);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a whole number, 1 or more: got ${process.argv[2]}`);
const output = `cpu-${rounds}.pb.gz`;

// Once unprofiled first, so that V8 has compiled the hashing before the clock and the profile start.
hashChain(200);
startCPUProfile();
const started = performance.now();
const digest = hashChain(rounds);
const elapsedMs = performance.now() - started;
writeProfile(output, stopCPUProfile());
console.log(`${rounds.toLocaleString('en')} rounds of SHA-256 in ${elapsedMs.toFixed(1)} ms: ${digest.slice(0, 16)}…`);
console.log(`wrote ${output}`);
