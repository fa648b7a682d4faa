/**
 * A profile shows the program, not the tools: no frame of tsx or esbuild compiling it, of the
 * loader, of the profilers starting and stopping V8's sampler, or of the `npm run profile`
 * preload, in any kind of profile, and none of their async operations among the waits. Short
 * programs are where the tools' share would be largest.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixture, repoRoot, runProfileCommand, runTypeScript } from '../helpers/run.ts';
import { flatByFrame, labelledStacks, readProfile, stacks } from '../helpers/profile.ts';

const toolPlaces = ['src/profilers/', 'src/loader/', 'src/http/', 'src/cli/profile-preload.ts', 'node_modules/tsx/', 'node_modules/esbuild/'].map((place) =>
  join(repoRoot, place),
);
/** The inspector's session calls that start and stop V8's sampler. */
const toolFunctions = new Set(['post', 'dispatch', 'startCPUProfile', 'startWallProfile', 'stopCPUProfile', 'stopWallProfile']);

/** Every frame of a profile that is the tools' rather than the program's. */
function toolFrames(path: string): string[] {
  const found = new Set<string>();
  for (const { frames } of stacks(readProfile(path))) {
    for (const frame of frames) {
      const [name = '', place = ''] = frame.split(' ');
      const file = place.replace(/:\d+$/, '');
      if (toolFunctions.has(name) || toolPlaces.some((prefix) => file.startsWith(prefix) || file.startsWith(pathToFileURL(prefix).href))) found.add(frame);
    }
  }
  return [...found];
}

const scratch = () => mkdtempSync(join(tmpdir(), 'program-only-'));

describe('profiles of a short program show the program only', () => {
  // The same program as ES and as CommonJS: Node runs CommonJS TypeScript through tsx's require
  // hook, a frame of the tools' below every one of the program's.
  const programs = { ES: 'program-only/short.ts', CommonJS: 'program-only/commonjs/short.ts' };
  const cases = (['cpu', 'wall', 'allocs', 'heap'] as const).flatMap((kind) => (['ES', 'CommonJS'] as const).map((module) => [kind, module] as const));
  it.each(cases)('npm run profile --%s, %s', (kind, module) => {
    const output = join(scratch(), `${kind}.pb.gz`);
    const rate: Record<string, string[]> = { cpu: ['--hz', '5000'], wall: ['--hz', '1000'] };
    const rates = rate[kind] ?? ['--interval', '4096'];
    const run = runProfileCommand([`--${kind}`, ...rates, '-o', output, fixture(programs[module])]);
    expect(run.status, run.stderr).toBe(0);
    expect(toolFrames(output)).toEqual([]);
    // The program opens no socket: tsx's attempt to reach a `tsx watch` parent ends before it starts.
    expect(
      stacks(readProfile(output))
        .flatMap(({ frames }) => frames)
        .filter((frame) => /^(afterConnect|Socket\.)/.test(frame)),
    ).toEqual([]);
    // V8's own rows (the collector's) and Node's (the module job that runs the program's top
    // level) may lead; the first of the program's files is its work.
    if (kind === 'cpu')
      expect(['work', 'allocate']).toContain(
        flatByFrame(readProfile(output), 1).find(([name, file]) => !name.startsWith('(') && !file.startsWith('node:'))?.[0],
      );
    if (kind === 'wall') {
      // Exactly the program's one wait: no file system work of tsx's cache, no import.
      const waits = labelledStacks(readProfile(output)).filter(({ labels }) => labels.state === 'waiting');
      expect(waits.map(({ frames }) => frames[0]!.replace(/ :0$/, ''))).toEqual(['(wait) setTimeout 25ms']);
      const running = labelledStacks(readProfile(output)).filter(({ labels }) => labels.state === 'running');
      expect(running.some(({ frames }) => frames.some((frame) => frame.startsWith('work ')))).toBe(true);
    }
  });

  it.each(['cpu', 'wall'])('a program that starts and stops a %s profile itself', (kind) => {
    const output = join(scratch(), `${kind}.pb.gz`);
    const run = runTypeScript(fixture('program-only/self-profiled.ts'), [kind, output]);
    expect(run.status, run.stderr).toBe(0);
    expect(toolFrames(output)).toEqual([]);
    // Its leaf may be work or what work calls (performance.now).
    expect(stacks(readProfile(output)).some(({ frames }) => frames.some((frame) => frame.startsWith('work ')))).toBe(true);
  });
});
