/**
 * What the solve.ts procedures share. A solution to a read-the-profile question is a procedure,
 * not a number: it reads the learner's own profiles the way the lesson does, with `npm run
 * pprof` (the project's own report code, run as the learner runs it), and writes answers.json
 * from what the reports print. So it is right on any machine, for any run.
 *
 *   node --import tsx solutions/ID/solve.ts exercises/ID
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pprofEntry = fileURLToPath(new URL('../bin/pprof.mjs', import.meta.url));

/** The exercise folder solve.ts was given. */
export function exerciseFolderArgument(): string {
  const folder = process.argv[2];
  if (!folder) throw new Error('say which exercise folder to solve: node --import tsx solutions/ID/solve.ts exercises/ID');
  return resolve(folder);
}

/** What `npm run pprof -- ARGS` prints, run from the exercise folder; throws with its error otherwise. */
export function pprof(folder: string, ...args: string[]): string {
  const result = spawnSync(process.execPath, [pprofEntry, ...args], { cwd: folder, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run pprof -- ${args.join(' ')}: ${result.stderr.trim() || `exit code ${result.status}`}`);
  return result.stdout;
}

/** One row of -top, its columns as printed. */
export interface TopRow {
  flat: string;
  flatPercent: number;
  cum: string;
  cumPercent: number;
  name: string;
}

/** The rows of a -top report, in its order. */
export function topRows(report: string): TopRow[] {
  const rows: TopRow[] = [];
  for (const line of report.split('\n')) {
    const match = /^\s*(\S+)\s+(-?[\d.e+-]+)%\s+\S+%\s+(\S+)\s+(-?[\d.e+-]+)%\s+(.+)$/.exec(line);
    if (match) rows.push({ flat: match[1]!, flatPercent: Number(match[2]), cum: match[3]!, cumPercent: Number(match[4]), name: match[5]!.trim() });
  }
  return rows;
}

/** The row of `name` in a -top report; undefined when it has none. */
export const topRow = (report: string, name: string) => topRows(report).find((row) => row.name === name);

/** The Y of the header line `Showing nodes accounting for X, Y% of Z total`. */
export function showingPercent(report: string): number {
  const match = /^Showing nodes accounting for [^,]+, ([\d.]+)% of /m.exec(report);
  if (!match) throw new Error(`no "Showing nodes accounting for" line in:\n${report}`);
  return Number(match[1]);
}

/** A header field of a report, as printed: `Duration: 9.35s, Total samples = 591` gives Duration "9.35s" and "Total samples" "591". */
export function headerField(report: string, field: 'Duration' | 'Total samples'): string {
  const match = field === 'Duration' ? /^Duration: ([^,\s]+)/m.exec(report) : /Total samples = (\S+)/.exec(report);
  if (!match) throw new Error(`no ${field} in the header of:\n${report}`);
  return match[1]!;
}

const UNIT_FACTORS: Record<string, number> = { ns: 1e-9, us: 1e-6, μs: 1e-6, ms: 1e-3, s: 1, hrs: 3600, B: 1, kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 };

/** A printed value (`1.92s`, `120ms`, `26.82MB`, `591`) in `unit` (`ms`, `s`, `MB`; none for counts). */
export function valueIn(printed: string, unit = ''): number {
  const match = /^(-?[\d.]+(?:e[-+]?\d+)?)([a-zμ]*)$/i.exec(printed.trim());
  if (!match) throw new Error(`not a value: ${printed}`);
  const from = match[2] ? UNIT_FACTORS[match[2]] : 1;
  const to = unit ? UNIT_FACTORS[unit] : 1;
  if (from === undefined || to === undefined) throw new Error(`unknown unit in ${printed} or ${unit}`);
  return (Number(match[1]) * from) / to;
}

/** `npm run exercise ID ARGS` in the workshop the folder belongs to, as the lesson's steps run it: what it printed; throws if it fails. */
export function runExercise(folder: string, ...args: string[]): string {
  const cli = join(folder, '../../src/cli/workshop.ts');
  const result = spawnSync(process.execPath, ['--import', 'tsx', cli, 'exercise', basename(folder), ...args], { cwd: join(folder, '../..'), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm run exercise ${basename(folder)} ${args.join(' ')}: ${result.stderr.trim() || result.stdout.trim()}`);
  return result.stdout;
}

/** Writes answers.json into the exercise folder, as the learner fills it in. */
export function writeAnswers(folder: string, answers: Record<string, string | number>): void {
  writeFileSync(join(folder, 'answers.json'), `${JSON.stringify(answers, null, 2)}\n`);
}

/** The callers of `name` in -peek's report, with their values, most first. */
export function peekCallers(report: string, name: string): { name: string; value: number }[] {
  const lines = report.split('\n');
  const centre = lines.findIndex((line) => new RegExp(`\\|\\s${escapeRegExp(name)}\\s*$`).test(line) && /^\s*\S+\s+[\d.]+%\s+[\d.]+%/.test(line));
  const callers: { name: string; value: number }[] = [];
  for (let index = centre - 1; index >= 0 && /^\s+\S+\s+[\d.]+%\s+\|/.test(lines[index]!); index--) {
    const match = /^\s+(\S+)\s+[\d.]+%\s+\|\s+(.+?)\s*$/.exec(lines[index]!)!;
    callers.push({ name: match[2]!, value: valueIn(match[1]!, /[a-z]/i.test(match[1]!) ? unitOf(match[1]!) : '') });
  }
  return callers.sort((a, b) => b.value - a.value);
}

/** The unit family's base a printed value converts to: seconds for times, bytes for sizes. */
function unitOf(printed: string): string {
  return /B$/.test(printed) ? 'B' : 's';
}

export const escapeRegExp = (text: string) => text.replace(/[()[\]{}.*+?^$|\\]/g, '\\$&');

/**
 * Where a profile's time (or memory) goes in the program's own file: from the first row of
 * -top, up through its callers (-peek), the busiest each time, to the first function -list
 * finds in `ownFile`; and that function's line with the most cum in -list. What the debugme
 * lessons do by hand.
 */
export function ownHotSpot(folder: string, profile: string, ownFile = 'main.ts'): { name: string; line: number } {
  let [{ name } = { name: '' }] = topRows(pprof(folder, '-top', profile));
  for (let step = 0; step < 30 && name; step++) {
    const listing = pprof(folder, `-list=^${escapeRegExp(name)}$`, profile);
    const routine = listing.split(/^ROUTINE =+ /m).find((block) => block.startsWith(`${name} in `) && block.split('\n')[0]!.endsWith(`/${ownFile}`));
    if (routine) {
      const lines = [...routine.matchAll(/^\s+\S+\s+(\S+)\s+(\d+):/gm)].map((match) => ({ cum: match[1] === '.' ? 0 : valueIn(match[1]!, unitOf(match[1]!)), line: Number(match[2]) }));
      const busiest = lines.sort((a, b) => b.cum - a.cum)[0];
      if (!busiest) throw new Error(`-list=${name} shows no lines:\n${listing}`);
      return { name, line: busiest.line };
    }
    name = peekCallers(pprof(folder, `-peek=^${escapeRegExp(name)}$`, profile), name)[0]?.name ?? '';
  }
  throw new Error(`no function of ${ownFile} above the first row of -top in ${profile}`);
}
