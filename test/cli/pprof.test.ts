import { gunzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProfileBuilder, encodeProfile, writeProfile } from '../../src/pprof/index.ts';
import { cpuShapedBuilder, readProfile, sampleTypeNames } from '../helpers/profile.ts';
import { pprofEntry, repoRoot, runPprofCommand } from '../helpers/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'pprof-cli-'));

/**
 * main calls work twice (once through helper) and idle once; work is hot. 1.2 s of CPU in all,
 * over a 2 s window. No default sample type: reports show the last, cpu.
 */
function fixedProfile(): string {
  const builder = cpuShapedBuilder({ mappingFile: '/app/server.ts', comments: ['a fixed profile'] });
  const frame = (name: string, line: number) => ({ name, file: '/app/server.ts', line });
  builder.addSample([frame('work', 3), frame('main', 20)], [70, 700_000_000]);
  builder.addSample([frame('work', 4), frame('helper', 12), frame('main', 21)], [30, 300_000_000]);
  builder.addSample([frame('helper', 13), frame('main', 21)], [15, 150_000_000]);
  builder.addSample([frame('idle', 30), frame('main', 22)], [4, 45_000_000], { state: 'waiting', kind: 'timer' });
  builder.addSample([frame('main', 23)], [1, 5_000_000]);
  const path = join(dir, 'fixed.pb.gz');
  writeProfile(path, builder.build());
  return path;
}

describe('npm run pprof', () => {
  const profile = fixedProfile();

  it('-top prints the header and the rows as go tool pprof does (checked against it)', () => {
    const result = runPprofCommand(['-top', profile]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(
      [
        'File: server.ts',
        'a fixed profile',
        'Type: cpu',
        'Duration: 2s, Total samples = 1200ms (60.00%)',
        'Showing nodes accounting for 1200ms, 100% of 1200ms total',
        '      flat  flat%   sum%        cum   cum%',
        '    1000ms 83.33% 83.33%     1000ms 83.33%  work',
        '     150ms 12.50% 95.83%      450ms 37.50%  helper',
        '      45ms  3.75% 99.58%       45ms  3.75%  idle',
        '       5ms  0.42%   100%     1200ms   100%  main',
        '',
      ].join('\n'),
    );
  });

  it('-top -cum -nodecount=2 sorts by cum and says how many nodes it left out', () => {
    const lines = runPprofCommand(['-top', '-cum', '-nodecount=2', profile]).stdout.split('\n');
    expect(lines).toContain('Showing top 2 nodes out of 4');
    expect(lines.filter((line) => /%\s+\S+$/.test(line)).map((line) => line.trim().split(/\s+/).pop())).toEqual(['main', 'work']);
  });

  it('-traces prints each sample with its labels and stack, as go tool pprof does (checked against it)', () => {
    const result = runPprofCommand(['-traces', profile]);
    expect(result.stderr).toBe('');
    const separator = '-----------+-------------------------------------------------------';
    expect(result.stdout.split(separator).slice(1)).toEqual([
      '\n     700ms   work\n             main\n',
      '\n     300ms   work\n             helper\n             main\n',
      '\n     150ms   helper\n             main\n',
      '\n      kind:  timer\n     state:  waiting\n      45ms   idle\n             main\n',
      '\n       5ms   main\n',
      '\n',
    ]);
  });

  it('-focus keeps the samples through a function, and the percentages stay of the whole', () => {
    const lines = runPprofCommand(['-top', '-focus=helper', profile]).stdout.split('\n');
    expect(lines).toContain('Active filters:');
    expect(lines).toContain('   focus=helper');
    expect(lines).toContain('Showing nodes accounting for 450ms, 37.50% of 1200ms total');
  });

  it("-list shows a function's source lines with their flat and cum values, read from disk (checked against go tool pprof)", () => {
    const source = join(dir, 'server.ts');
    writeFileSync(source, Array.from({ length: 30 }, (_, i) => `// line ${i + 1}`).join('\n'));
    const builder = cpuShapedBuilder();
    const frame = (name: string, line: number, functionLine: number) => ({ name, file: source, line, functionLine });
    builder.addSample([frame('work', 4, 2), frame('main', 20, 18)], [3, 30_000_000]);
    builder.addSample([frame('work', 6, 2), frame('main', 18, 18)], [1, 10_000_000]);
    const path = join(dir, 'list.pb.gz');
    writeProfile(path, builder.build());
    expect(runPprofCommand(['-list=^work$', path]).stdout).toBe(
      [
        'Total: 40ms',
        `ROUTINE ======================== work in ${source}`,
        '      40ms       40ms (flat, cum)   100% of Total',
        '         .          .      2:// line 2',
        '         .          .      3:// line 3',
        '      30ms       30ms      4:// line 4',
        '         .          .      5:// line 5',
        '      10ms       10ms      6:// line 6',
        '         .          .      7:// line 7',
        '         .          .      8:// line 8',
        '         .          .      9:// line 9',
        '         .          .     10:// line 10',
        '         .          .     11:// line 11',
        '',
      ].join('\n'),
    );
  });

  it('-peek shows a function between its callers and its callees (checked against go tool pprof)', () => {
    const separator = '----------------------------------------------------------+-------------';
    expect(runPprofCommand(['-peek=^helper$', profile]).stdout.split('\n').slice(5)).toEqual([
      separator,
      '      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ',
      separator,
      '                                             450ms   100% |   main',
      '     150ms 12.50% 12.50%      450ms 37.50%                | helper',
      '                                             300ms 66.67% |   work',
      separator,
      '',
    ]);
  });

  it('-proto writes one gzipped pprof from a .cpuprofile, or from several profiles merged', () => {
    const nodeDir = join(dir, 'node-cpu');
    const spin = 'function spinHere() { const end = Date.now() + 300; let x = 0; while (Date.now() < end) x++; return x; } spinHere();';
    expect(spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${nodeDir}`, '-e', spin]).status).toBe(0);
    const cpuprofile = join(nodeDir, readdirSync(nodeDir)[0]!);
    const converted = join(dir, 'converted.pb.gz');
    expect(runPprofCommand(['-proto', `-output=${converted}`, cpuprofile]).status).toBe(0);
    const profileRead = readProfile(converted);
    expect(sampleTypeNames(profileRead)).toEqual(['samples/count', 'cpu/nanoseconds']);
    expect(runPprofCommand(['-top', converted]).stdout).toMatch(/ spinHere$/m);

    const merged = join(dir, 'merged.pb.gz');
    expect(runPprofCommand(['-proto', `-output=${merged}`, profile, profile]).status).toBe(0);
    expect(runPprofCommand(['-top', merged]).stdout).toBe(runPprofCommand(['-top', profile, profile]).stdout);
  });

  it('-flamegraph draws a self-contained flame graph: each frame as wide as its share, its value on hover', () => {
    const svg = runPprofCommand(['-flamegraph', profile]).stdout;
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1200"/);
    expect(svg).not.toMatch(/<script|href=|@import|url\(/);
    const frames = [...svg.matchAll(/<g><title>([^<]*)<\/title><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"/g)].map(([, title, x, y, width]) => ({
      title,
      x: Number(x),
      y: Number(y),
      width: Number(width),
    }));
    expect(frames.map(({ title }) => title)).toEqual([
      'all: 1.20s (100%)',
      'main: 1.20s (100%), 5ms itself',
      'helper: 450ms (37.50%), 150ms itself',
      'work: 300ms (25.00%), 300ms itself',
      'idle: 45ms (3.75%), 45ms itself',
      'work: 700ms (58.33%), 700ms itself',
    ]);
    const [all, main, helper, underHelper, , work] = frames;
    // 1180 px for the whole; callees stand on their callers, children in name order.
    expect(all!.width).toBe(1180);
    expect(work!.width).toBeCloseTo((1180 * 700) / 1200, 1);
    expect(main!.y).toBeLessThan(all!.y);
    expect(underHelper!.y).toBeLessThan(helper!.y);
    expect(underHelper!.x).toBe(helper!.x);
  });

  it('-diff_base shows what grew and shrank against a base, in shares of the base', () => {
    const grown = cpuShapedBuilder();
    const frame = (name: string) => ({ name, file: '/app/server.ts', line: 1 });
    grown.addSample([frame('work'), frame('main')], [140, 1_400_000_000]);
    grown.addSample([frame('idle'), frame('main')], [4, 45_000_000]);
    const after = join(dir, 'after.pb.gz');
    writeProfile(after, grown.build());
    const rows = runPprofCommand(['-top', `-diff_base=${profile}`, after]).stdout.split('\n');
    // work: 1400 ms now against 1000 ms before, +400 ms = 33% of the base's 1200 ms; helper's 150 ms
    // went, and with it the 300 ms of work under it; idle is unchanged and drops out. (Checked
    // against go tool pprof.)
    expect(rows).toContain('Showing nodes accounting for 245ms, 20.42% of 1200ms total');
    expect(rows.filter((row) => / (work|helper)$/.test(row)).map((row) => row.trim().split(/\s+/))).toEqual([
      ['400ms', '33.33%', '33.33%', '400ms', '33.33%', 'work'],
      ['-150ms', '12.50%', '20.83%', '-450ms', '37.50%', 'helper'],
    ]);
  });

  it('-tree shows every function between its callers and callees (checked against go tool pprof)', () => {
    const lines = runPprofCommand(['-tree', profile]).stdout.split('\n');
    expect(lines.slice(lines.indexOf('                                             700ms 70.00% |   main'), -1)).toEqual([
      '                                             700ms 70.00% |   main',
      '                                             300ms 30.00% |   helper',
      '    1000ms 83.33% 83.33%     1000ms 83.33%                | work',
      '----------------------------------------------------------+-------------',
      '                                             450ms   100% |   main',
      '     150ms 12.50% 95.83%      450ms 37.50%                | helper',
      '                                             300ms 66.67% |   work',
      '----------------------------------------------------------+-------------',
      '                                              45ms   100% |   main',
      '      45ms  3.75% 99.58%       45ms  3.75%                | idle',
      '----------------------------------------------------------+-------------',
      '       5ms  0.42%   100%     1200ms   100%                | main',
      '                                             700ms 58.33% |   work',
      '                                             450ms 37.50% |   helper',
      '                                              45ms  3.75% |   idle',
      '----------------------------------------------------------+-------------',
    ]);
  });

  it('-raw dumps the records, numbered as samples reach them (checked against go tool pprof)', () => {
    const lines = runPprofCommand(['-raw', profile]).stdout.split('\n');
    expect(lines.slice(0, 11)).toEqual([
      'Comment: a fixed profile',
      'PeriodType: cpu nanoseconds',
      'Period: 10000000',
      'Duration: 2s',
      'Samples:',
      'samples/count cpu/nanoseconds',
      '         70  700000000: 1 2 ',
      '         30  300000000: 3 4 5 ',
      '         15  150000000: 6 5 ',
      '          4   45000000: 7 8 ',
      '                kind:[timer] state:[waiting]',
    ]);
    expect(lines).toContain('     4: 0x0 M=1 helper /app/server.ts:12 s=0');
    expect(lines.slice(-3)).toEqual(['Mappings', '1: 0x0/0x0/0x0 /app/server.ts  [FN][FL][LN]', '']);
  });

  it('merges several profiles into one, and refuses profiles of different types', () => {
    expect(runPprofCommand(['-top', profile, profile]).stdout).toMatch(/^Duration: 4s, Total samples = 2.40s \(60\.00%\)$/m);
    const heap = join(dir, 'heap.pb.gz');
    writeProfile(heap, new ProfileBuilder({ sampleTypes: [{ type: 'inuse_space', unit: 'bytes' }] }).build());
    const result = runPprofCommand(['-top', profile, heap]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('pprof: profiles with different sample types cannot be merged: [samples/count, cpu/nanoseconds] and [inuse_space/bytes]\n');
  });

  it('-sample_index picks a sample type by name or number', () => {
    expect(runPprofCommand(['-top', '-sample_index=samples', profile]).stdout).toMatch(/^Type: samples$/m);
    expect(runPprofCommand(['-top', '-sample_index', '0', profile]).stdout).toMatch(/^ {7}100 83\.33% 83\.33% {8}100 83\.33%  work$/m);
  });

  it('-folded writes folded stacks, root first, to -output', () => {
    const output = join(dir, 'out.folded');
    expect(runPprofCommand(['-folded', `-output=${output}`, profile]).status).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe('main 5000000\nmain;helper 150000000\nmain;helper;work 300000000\nmain;idle 45000000\nmain;work 700000000\n');
  });

  const notAProfile = join(dir, 'notes.txt');
  writeFileSync(notAProfile, 'not a profile at all\n');
  const truncated = join(dir, 'truncated.pb.gz');
  writeFileSync(truncated, readFileSync(profile).subarray(0, 40));
  const raw = join(dir, 'raw.pb');
  writeFileSync(raw, gunzipSync(encodeProfile(new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }] }).build())));

  it.each([
    [['-top', '-bogus', profile], 2, /^pprof: unknown option -bogus$/],
    [['-top', '-output=/no/such/dir/top.txt', profile], 2, /^pprof: cannot write \/no\/such\/dir\/top\.txt: directory \/no\/such\/dir does not exist$/],
    [['-top'], 2, /^pprof: no profile given$/],
    [['-top', '-sample_index=alloc_space', profile], 2, /^pprof: sample_index=alloc_space is not in this profile: use one of samples, cpu \(or 0 to 1\)$/],
    [['-top', '-sample_index=7', profile], 2, /^pprof: sample_index=7 is not in this profile/],
    [['-top', '-nodecount=many', profile], 2, /^pprof: -nodecount must be a whole number/],
    [['-top', join(dir, 'missing.pb.gz')], 1, /^pprof: .*missing\.pb\.gz: no such file$/],
    [['-top', dir], 1, /^pprof: .* is a directory, not a profile$/],
    [['-top', notAProfile], 1, /^pprof: .*notes\.txt: /],
    [['-top', truncated], 1, /^pprof: .*truncated\.pb\.gz: /],
    [['-top', '-focus=(unclosed', profile], 1, /^pprof: -focus=\(unclosed is not a regular expression: /],
    [
      ['-list=noSuchFunction', profile],
      1,
      /^pprof: no function matches noSuchFunction: -list takes a regular expression on function names \(see -top for them\)$/,
    ],
    [
      ['-peek=noSuchFunction', profile],
      1,
      /^pprof: no function matches noSuchFunction: -peek takes a regular expression on function names \(see -top for them\)$/,
    ],
    [['-top', `-base=${profile}`, `-diff_base=${profile}`, profile], 2, /^pprof: -base and -diff_base both subtract a profile: give one of them$/],
    [['-list'], 2, /^pprof: -list needs a regular expression naming functions, as in -list=main$/],
  ])('%j fails with one clear line and exit %i', (args, status, message) => {
    const result = runPprofCommand(args);
    expect(result.status).toBe(status);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // Only a command line that cannot be read at all is followed by the usage.
    const unreadable = /unknown option|no profile given|needs a value/.test(result.stderr);
    expect(result.stderr.trimEnd().split('\n').length > 1).toBe(unreadable);
  });

  it.each([
    [['-focus=nothingLikeThis'], 'Focus expression matched no samples: -focus=nothingLikeThis matches no function, file or binary in the profile'],
    [['-hide=nothingLikeThis'], 'Hide expression matched no samples: -hide=nothingLikeThis matches no function, file or binary in the profile'],
    [
      ['-tagfocus=state=running'],
      "TagFocus expression matched no samples: -tagfocus=state=running matches no sample's labels (see -traces for the labels there are)",
    ],
  ])("%j matching nothing is warned of in go tool pprof's words, and the report of what is left follows", (filter, warning) => {
    const result = runPprofCommand(['-top', ...filter, profile]);
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe(warning);
    expect(result.stdout).toMatch(/^Showing nodes accounting for /m);
  });

  it('without a report, runs a (pprof) prompt that keeps going after a mistake, until quit or end of input', () => {
    const input = ['top2', 'sample_index=nope', 'bogus', 'list', 'nodecount=1', 'cum=true', 'top', 'o', 'help', 'quit', 'top'].join('\n');
    const result = runPprofCommand([profile], {}, `${input}\n`);
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n')).toEqual([
      'File: server.ts',
      'a fixed profile',
      'Type: cpu',
      'Duration: 2s, Total samples = 1.20s (60.00%)',
      'Entering interactive mode (type "help" for commands, "o" for options)',
      'sample_index=nope is not in this profile: use one of samples, cpu (or 0 to 1)',
      'unrecognized command: "bogus" (type "help" for commands)',
      'list needs a regular expression naming functions, as in: list main',
      '',
    ]);
    const reports = result.stdout.split('(pprof) ');
    expect(reports[1]).toContain('Showing top 2 nodes out of 4');
    expect(reports[1]).not.toContain('File: server.ts');
    // nodecount=1 and cum=true hold for the next top: main, the most cumulative.
    expect(reports[7]).toMatch(/Showing top 1 nodes out of 4\n.*\n\s+5ms\s+0\.42%\s+0\.42%\s+1200ms\s+100%\s+main\n$/);
    expect(reports[8]).toMatch(/^  sample_index\s+= \(the profile's default\)\n  nodecount\s+= 1\n  cum\s+= true\n/);
    expect(reports[9]).toContain('top[N] [-cum] [regex] [-regex]');
    // A prompt after each command but quit, and nothing after quit runs.
    expect(reports).toHaveLength(11);
    expect(reports[10]).toBe('');
    expect(runPprofCommand([profile], {}, '').status).toBe(0);
  });

  it.each([
    ['web', 'top2'],
    ['top2', 'web'],
  ])('runs %s then %s from piped input, the web UI served, and ends with the input', (...commands) => {
    const result = runPprofCommand(['-no_browser', profile], {}, `${commands.join('\n')}\n`);
    expect(result.stderr).not.toContain('ERR_USE_AFTER_CLOSE');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Serving web UI on http:\/\/127\.0\.0\.1:\d+\//);
    expect(result.stdout).toContain('Showing top 2 nodes out of 4');
  });

  it('completes commands and settings on tab', async () => {
    const { complete } = await import('../../src/cli/pprof-interactive.ts');
    expect(complete('tr')).toEqual([['traces', 'tree', 'trim_path='], 'tr']);
    expect(complete('sample')).toEqual([['sample_index='], 'sample']);
    expect(complete('tag')).toEqual([['tags', 'tagfocus=', 'tagignore='], 'tag']);
    expect(complete('')[0]).toContain('quit');
  });

  it('piped into a reader that leaves early (head), ends quietly with status 0, not with an EPIPE stack', () => {
    // Output of several pipe buffers, so that most of it is written after the reader has gone.
    const builder = new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
    for (let i = 0; i < 5_000; i++) builder.addSample([{ name: `fn${i}`, file: `/app/module${i}.ts`, line: i + 1 }], [1]);
    const large = join(dir, 'large-raw.pb.gz');
    writeProfile(large, builder.build());
    const result = spawnSync('bash', ['-c', '"$0" "$1" -raw "$2" | head -c 100 > /dev/null; echo "$PIPESTATUS"', process.execPath, pprofEntry, large], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('0\n');
  });

  it('reads a raw, ungzipped .pb', () => {
    const result = runPprofCommand(['-top', raw]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Type: samples$/m);
  });

  it('rebuilding its bundle removes the files of builds killed midway, and not those of a build running', () => {
    // Where bin/pprof.mjs keeps its bundle, made by the runs above.
    const cache = join(repoRoot, 'node_modules/.cache/node-profiling-workshop');
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const abandoned = [`pprof.mjs.${gone}.tmp`, `pprof.inputs.json.${gone}.tmp`];
    const running = `pprof.mjs.${process.pid}.tmp`;
    for (const name of [...abandoned, running]) writeFileSync(join(cache, name), 'partial');
    try {
      // Without its list of inputs the bundle is stale: the next start rebuilds it.
      rmSync(join(cache, 'pprof.inputs.json'), { force: true });
      const result = runPprofCommand(['-top', profile]);
      expect(result.status).toBe(0);
      const left = readdirSync(cache);
      expect(left.filter((name) => abandoned.includes(name))).toEqual([]);
      expect(left).toContain(running);
    } finally {
      rmSync(join(cache, running), { force: true });
    }
  });
});
