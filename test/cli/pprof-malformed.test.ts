import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runPprofCommand } from '../helpers/run.ts';

// biome-ignore lint/suspicious/noExplicitAny: V8's JSON, which the cases damage freely
type Json = Record<string, any>;

/**
 * Node's own profiles (--cpu-prof, --heap-prof), damaged the ways a file from elsewhere can be:
 * npm run pprof says in one line which file and what in it, and prints no stack.
 */
describe('npm run pprof on a damaged .cpuprofile or .heapprofile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-malformed-'));
  let cpu: Json;
  let heap: Json;

  beforeAll(() => {
    const made = spawnSync(
      process.execPath,
      ['--cpu-prof', '--heap-prof', `--cpu-prof-dir=${dir}`, `--heap-prof-dir=${dir}`, '-e', 'let x = 0; for (let i = 0; i < 5e6; i++) x += Math.sqrt(i);'],
      { encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(made.stderr);
    const written = readdirSync(dir);
    cpu = JSON.parse(readFileSync(join(dir, written.find((name) => name.endsWith('.cpuprofile'))!), 'utf8'));
    heap = JSON.parse(readFileSync(join(dir, written.find((name) => name.endsWith('.heapprofile'))!), 'utf8'));
  });

  const damaged = (name: string, data: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data));
    return path;
  };

  it('reads the undamaged ones', () => {
    for (const [name, data] of [
      ['whole.cpuprofile', cpu],
      ['whole.heapprofile', heap],
    ] as const) {
      const result = runPprofCommand(['-top', damaged(name, data)]);
      expect(result.status, result.stderr).toBe(0);
    }
  });

  // Each: the file, what it is damaged from, the damage, and what is said after the file's name.
  it.each<[string, 'cpu' | 'heap', (data: Json) => unknown, (data: Json) => string]>([
    ['null-node.cpuprofile', 'cpu', (p) => ({ ...p, nodes: [null, ...p.nodes.slice(1)] }), () => 'is not a readable .cpuprofile: nodes[0] is not an object'],
    [
      'no-call-frame.cpuprofile',
      'cpu',
      (p) => ({ ...p, nodes: p.nodes.map((n: Json, i: number) => (i === 1 ? { ...n, callFrame: undefined } : n)) }),
      () => 'is not a readable .cpuprofile: nodes[1].callFrame is not an object',
    ],
    [
      'text-line.cpuprofile',
      'cpu',
      (p) => ({ ...p, nodes: p.nodes.map((n: Json, i: number) => (i === 2 ? { ...n, callFrame: { ...n.callFrame, lineNumber: '7' } } : n)) }),
      () => 'is not a readable .cpuprofile: nodes[2].callFrame.lineNumber is not a number',
    ],
    [
      'unknown-sample.cpuprofile',
      'cpu',
      (p) => ({ ...p, samples: [...p.samples, 987654] }),
      (p) => `is not a readable .cpuprofile: samples[${p.samples.length}] is node 987654, which is not in nodes`,
    ],
    [
      'two-parents.cpuprofile',
      'cpu',
      (p) => ({ ...p, nodes: [...p.nodes, { id: 987654, callFrame: p.nodes[0].callFrame, children: [p.nodes[1].id] }] }),
      (p) => `is not a readable .cpuprofile: node ${p.nodes[1].id} is a child of both node ${p.nodes[0].id} and node 987654`,
    ],
    [
      'no-children.heapprofile',
      'heap',
      (p) => ({ ...p, head: { ...p.head, children: [{ ...p.head, id: 987654, children: 'none' }] } }),
      () => 'is not a readable .heapprofile: head.children[0].children is not a list',
    ],
    [
      'null-child.heapprofile',
      'heap',
      (p) => ({ ...p, head: { ...p.head, children: [...p.head.children, null] } }),
      (p) => `is not a readable .heapprofile: head.children[${p.head.children.length}] is not an object`,
    ],
    ['cut.cpuprofile', 'cpu', (p) => JSON.stringify(p).slice(0, 100), () => 'is not a Node profile: '],
  ])('%s: one line naming it and what is wrong', (name, kind, damage, message) => {
    const whole = kind === 'cpu' ? cpu : heap;
    const path = damaged(name, damage(structuredClone(whole)));
    const result = runPprofCommand(['-top', path]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toHaveLength(2);
    expect(result.stderr).toContain(`pprof: ${path} ${message(whole)}`);
  });

  it('a node among its own callers', () => {
    const [first, second] = cpu.nodes as Json[];
    const looped = {
      ...cpu,
      nodes: [
        { ...first, children: [second!.id] },
        { ...second, children: [first!.id] },
      ],
      samples: [second!.id],
      timeDeltas: [1],
    };
    const result = runPprofCommand(['-top', damaged('loop.cpuprofile', looped)]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^pprof: \S+loop\.cpuprofile is not a readable \.cpuprofile: node \d+ is among its own callers\n$/);
  });
});
