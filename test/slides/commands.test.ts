import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileBuilder, writeProfile } from '../../src/pprof/index.ts';
import { fixture, repoRoot, runPprofCommand, runProfileCommand, runTypeScript } from '../helpers/run.ts';
import { startPprofWeb } from '../helpers/browser.ts';
import { goBinary } from '../helpers/tools.ts';

/**
 * Every `npm run pprof` command the deck shows, run on a profile of the kind it names, doing
 * what its slide says. (The npm scripts and exercises the deck names are checked to exist by
 * references.test.ts, and each exercise is run by its own tests.)
 */
const deck = readFileSync(join(repoRoot, 'slides.md'), 'utf8');

/** The commands on the slides: lines of shell blocks, and inline `npm run pprof -- …` spans. */
function pprofCommands(): string[][] {
  const lines = [...deck.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) => block[1]!.split('\n'));
  const inline = [...deck.matchAll(/`(npm run pprof -- [^`]+)`/g)].map((match) => match[1]!);
  return [...new Set([...lines, ...inline].map((line) => line.replace(/#.*/, '').trim()).filter((line) => line.startsWith('npm run pprof -- ')))].map((line) =>
    line.slice('npm run pprof -- '.length).split(/\s+/),
  );
}

/**
 * What each profile file a command names is, made fresh for the test: six programs one after
 * another, each given up to a minute (runTypeScript's own timeout). With CPU hogs on both cores
 * (Node 22, load average 30) they took past 180 s; the hook's timeout bounds a hang, not their speed.
 */
const directory = mkdtempSync(join(tmpdir(), 'deck-commands-'));
const labelled = mkdtempSync(join(tmpdir(), 'deck-labelled-'));
const at = (name: string) => join(directory, name);

beforeAll(() => {
  const made = [
    runTypeScript(fixture('wall/canonical-loop.ts'), ['wall', '2', at('wall.pb.gz')]),
    runTypeScript(fixture('wall/canonical-loop.ts'), ['cpu', '2', at('cpu.pb.gz')]),
    runTypeScript(fixture('wall/canonical-loop.ts'), ['cpu', '1', at('before.pb.gz')]),
    runTypeScript(fixture('wall/canonical-loop.ts'), ['cpu', '1', at('after.pb.gz')]),
    runProfileCommand(['--heap', '-o', at('heap.pb.gz'), fixture('churn-retain.ts')]),
    runTypeScript(fixture('labels/checkout-waits.ts'), [join(labelled, 'wall.pb.gz')]),
  ];
  for (const run of made) expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
}, 400_000);

afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
  rmSync(labelled, { recursive: true, force: true });
});

/** Runs a slide's pprof arguments with its file names (an exercise's path too) pointing at `folder`. */
function pprof(args: string[], folder = directory) {
  const run = runPprofCommand(
    args.map((arg) =>
      arg.endsWith('.pb.gz') && !arg.includes('=')
        ? join(folder, basename(arg))
        : arg.replace(/=([\w-]+\.pb\.gz)$/, (_, file: string) => `=${join(folder, file)}`),
    ),
  );
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

describe('the pprof commands on the slides', () => {
  const commands = pprofCommands();
  const find = (flag: string) => {
    const found = commands.find((args) => args.some((arg) => arg.startsWith(flag)));
    if (!found) throw new Error(`no command with ${flag} on the slides`);
    return found;
  };

  it('are all covered below', () => {
    const covered = ['-raw', '-cum', '-list=', '-sample_index=', '-tagfocus=', '-diff_base=', '-http='];
    for (const args of commands)
      expect(
        covered.some((flag) => args.some((arg) => arg.startsWith(flag))),
        args.join(' '),
      ).toBe(true);
  });

  it('-raw prints the records: sample types, period, samples', () => {
    const output = pprof(find('-raw'));
    expect(output).toMatch(/^PeriodType: /m);
    expect(output).toMatch(/^Samples:/m);
  });

  it("-top -cum on the loop's CPU profile ranks by cum, and puts the hashing above the request", () => {
    const output = pprof(find('-cum'));
    const rows = [...output.matchAll(/^ *\S+ +[\d.]+% +[\d.]+% +\S+ +([\d.]+)% +(.+)$/gm)].map((row) => ({ cum: Number(row[1]), name: row[2]! }));
    expect(rows.length).toBeGreaterThan(3);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.cum, `${rows[i]!.name} after ${rows[i - 1]!.name}`).toBeLessThanOrEqual(rows[i - 1]!.cum);
    const cumOf = (name: string) => rows.find((row) => row.name === name)?.cum ?? 0;
    expect(cumOf('cpuIntensiveTask')).toBeGreaterThan(50);
    expect(cumOf('cpuIntensiveTask')).toBeGreaterThan(cumOf('slowNetworkRequest'));
  });

  it('-list reads the source at the path the profile holds: a file not on this machine is "no such file"', () => {
    const elsewhere = join(directory, 'elsewhere.pb.gz');
    const builder = new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
    builder.addSample([{ name: 'main', file: '/home/someone-else/app/main.ts', line: 3 }], [1]);
    writeProfile(elsewhere, builder.build());
    const run = runPprofCommand(['-list=main', elsewhere]);
    expect(`${run.stdout}${run.stderr}`).toContain('/home/someone-else/app/main.ts: no such file or directory');
  });

  it('-list shows the lines of the function named, with flat and cum', () => {
    const args = find('-list=');
    const name = args.find((arg) => arg.startsWith('-list='))!.slice('-list='.length);
    expect(pprof(args)).toMatch(new RegExp(`ROUTINE =+ ${name} `));
  });

  it('-sample_index picks the heap profile view it names', () => {
    const args = find('-sample_index=');
    const index = args.find((arg) => arg.startsWith('-sample_index='))!.slice('-sample_index='.length);
    expect(pprof(args)).toMatch(new RegExp(`^Type: ${index}$`, 'm'));
  });

  it('-tagfocus with -tagignore keeps one route and drops its running samples: its waits alone', () => {
    const args = find('-tagfocus=');
    const output = pprof(args, labelled);
    expect(output).toContain('(wait) setTimeout 20ms');
    expect(output).toContain('askPaymentService');
    // /search's waits and any running code are gone.
    expect(output).not.toContain('(wait) setTimeout 5ms');
    expect(output).not.toMatch(/hashFor|search\b/);
  });

  it('a second -tagfocus would replace the first, as the slide warns', () => {
    const output = pprof(['-top', '-tagfocus=route=/checkout', '-tagfocus=state=waiting', 'wall.pb.gz'], labelled);
    expect(output).toContain('(wait) setTimeout 5ms');
  });

  it.skipIf(!goBinary())('go tool pprof reads the labels command the same way', () => {
    const args = find('-tagfocus=');
    const run = spawnSync(goBinary()!, ['tool', 'pprof', ...args.slice(0, -1), join(labelled, 'wall.pb.gz')], {
      encoding: 'utf8',
      env: { ...process.env, HOME: labelled },
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('(wait) setTimeout 20ms');
    expect(run.stdout).not.toContain('(wait) setTimeout 5ms');
  });

  it('-diff_base subtracts the base', () => {
    expect(pprof(find('-diff_base='))).toMatch(/^ +flat +flat% +sum% +cum +cum%$/m);
  });

  it('-http serves the web UI for the profile', async () => {
    const args = find('-http=');
    const web = await startPprofWeb(args.filter((arg) => !arg.startsWith('-http=')).map((arg) => (arg.endsWith('.pb.gz') ? at(arg) : arg)));
    try {
      expect((await fetch(web.url)).status).toBe(200);
    } finally {
      web.stop();
    }
  });

  it('the interactive session on its slide answers each command', () => {
    const session = /\$ npm run pprof -- (\S+)\n((?:\(pprof\) .*\n)+)/.exec(deck);
    expect(session, 'the interactive mode slide').not.toBeNull();
    const input = session![2]!
      .split('\n')
      .filter(Boolean)
      .map((line) => line.replace('(pprof) ', ''));
    const run = runPprofCommand([at(session![1]!)], {}, `${input.join('\n')}\nquit\n`);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Showing top 5 nodes/);
    expect(run.stdout).toMatch(/ROUTINE =+ weirdFunction /);
    expect(run.stdout).not.toMatch(/unknown command|not a command/i);
  });
});
