import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeProfile } from '../../src/pprof/index.ts';
import { cpuShapedBuilder } from '../helpers/profile.ts';
import { runPprofCommand } from '../helpers/run.ts';
import { graphvizDot } from '../helpers/tools.ts';

const dir = mkdtempSync(join(tmpdir(), 'pprof-graphviz-'));

function fixedProfile(): string {
  const builder = cpuShapedBuilder({ mappingFile: '/app/server.ts' });
  const frame = (name: string, line: number) => ({ name, file: '/app/server.ts', line });
  builder.addSample([frame('work', 3), frame('main', 20)], [70, 700_000_000]);
  builder.addSample([frame('work', 4), frame('helper', 12), frame('main', 21)], [30, 300_000_000]);
  builder.addSample([frame('idle', 30), frame('main', 22)], [4, 45_000_000], { state: 'waiting' });
  const path = join(dir, 'fixed.pb.gz');
  writeProfile(path, builder.build());
  return path;
}
const profile = fixedProfile();

/** A directory holding only a `dot` that records what it read and answers with `script`. */
function fakeDot(name: string, script: string): { path: string; input: string } {
  const bin = join(dir, name);
  mkdirSync(bin);
  const input = join(bin, 'input.dot');
  writeFileSync(join(bin, 'dot'), `#!/bin/sh\necho "$@" > ${input}.args\ncat > ${input}\n${script}\n`);
  chmodSync(join(bin, 'dot'), 0o755);
  // Found before any real dot; the tools its script uses are found after it.
  return { path: `${bin}:/usr/bin:/bin`, input };
}

describe('npm run pprof -svg, -pdf, -png: the call graph drawn by Graphviz', () => {
  it('pipes the -dot text through `dot -Tpng` and writes what it draws, whole', () => {
    const fake = fakeDot('drawing', "printf 'PNG-BYTES'");
    const output = join(dir, 'graph.png');
    const result = runPprofCommand(['-png', `-output=${output}`, profile], { PATH: fake.path });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe('PNG-BYTES');
    expect(readFileSync(`${fake.input}.args`, 'utf8').trim()).toBe('-Tpng');
    expect(readFileSync(fake.input, 'utf8')).toBe(runPprofCommand(['-dot', profile]).stdout);
  });

  it('a dot that fails leaves no file and says what it said, in one line', () => {
    const fake = fakeDot('failing', "printf 'PARTIAL'; echo 'Error: syntax error in line 3' >&2; exit 1");
    const output = join(dir, 'failed.svg');
    const result = runPprofCommand(['-svg', `-output=${output}`, profile], { PATH: fake.path });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("pprof: -svg: Graphviz's dot failed (exit 1): Error: syntax error in line 3\n");
    expect(existsSync(output)).toBe(false);
  });

  it.each(['pdf', 'gif', 'ps'])('without Graphviz, -%s says to install it or to use the flame graph', (format) => {
    const empty = join(dir, `no-graphviz-${format}`);
    mkdirSync(empty);
    const result = runPprofCommand([`-${format}`, `-output=${join(dir, `x.${format}`)}`, profile], { PATH: empty });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^pprof: -${format} draws the call graph with Graphviz's dot, which is not installed: install Graphviz .*-flamegraph.*\n$`),
    );
    expect(existsSync(join(dir, `x.${format}`))).toBe(false);
  });

  describe.skipIf(!graphvizDot())('with Graphviz installed', () => {
    it('-svg is the SVG Graphviz draws of the -dot text: a box per function, labelled with its values', () => {
      const dot = runPprofCommand(['-dot', profile]).stdout;
      const drawn = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' }).stdout;
      const svg = runPprofCommand(['-svg', profile]);
      expect(svg.status, svg.stderr).toBe(0);
      expect(svg.stdout).toBe(drawn);
      expect(svg.stdout).toMatch(/<svg width="\d+pt" height="\d+pt"/);
      for (const text of ['work', '1000ms (95.69%)', 'main', '0 of 1045ms (100%)', 'state:waiting']) expect(svg.stdout).toContain(`>${text}</text>`);
    });

    it('-pdf and -png write a PDF and a PNG image', () => {
      for (const [format, magic] of [
        ['pdf', '%PDF-'],
        ['png', '\x89PNG'],
      ] as const) {
        const output = join(dir, `graph.${format}`);
        const result = runPprofCommand([`-${format}`, `-output=${output}`, profile]);
        expect(result.status, result.stderr).toBe(0);
        expect(readFileSync(output, 'latin1').startsWith(magic)).toBe(true);
      }
    });
  });
});
