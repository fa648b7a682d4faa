/**
 * What an exercise's check.test.ts is written with (`import ... from '#workshop'`): reading the
 * learner's answers.json and profiles, and saying "not done yet" in one line a learner can act
 * on. A check compares answers with what it computes itself, from the learner's own profiles or
 * from running their program, never with a constant their program did not produce.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProfile, sampleTypeIndex, type Profile } from '../pprof/index.ts';
import { buildGraph, printableName } from '../report/graph.ts';
import { percentage, scale, toFixed } from '../report/measurement.ts';
import { applyFilters, compileFilters, type Filters } from '../report/filter.ts';
import { mergeProfiles } from '../report/merge.ts';
import { NODE_FRACTION, sampleTotal, topReport } from '../report/top.ts';
import { typescriptNodeFlags } from '../loader/node-flags.ts';

/** Why a check does not pass yet: its message is the one line `npm run check` prints. */
export class NotDone extends Error {
  override name = 'NotDone';
}

export function notDone(message: string): never {
  throw new NotDone(message);
}

/** The exercise folder of a check file: `exerciseFolder(import.meta.url)`. */
export function exerciseFolder(checkFileUrl: string): string {
  return fileURLToPath(new URL('.', checkFileUrl));
}

/** The command that runs an exercise, for messages: `npm run exercise 01-cpu-profile`. */
export function exerciseCommand(folder: string, args: readonly string[] = []): string {
  return ['npm run exercise', folder.replace(/\/$/, '').split('/').pop(), ...args].join(' ');
}

/** How a check runs a program of the exercise: which file, with what environment, for how long at most. */
export interface ProgramOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * Runs the learner's main.ts (or another file of the exercise) as `npm run exercise` does, from
 * its folder, and returns how it ended, whatever that was: for a check that judges how a
 * program fails (a deadlock's exit code, the error it throws).
 */
export function spawnProgram(folder: string, args: readonly string[] = [], options: ProgramOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--enable-source-maps', ...typescriptNodeFlags(), options.file ?? 'main.ts', ...args], {
    cwd: folder,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, ...options.env },
  });
}

/** The last line of what a program wrote to stderr (or stdout) that is not a stack frame: what it died of. */
export function lastWords(result: SpawnSyncReturns<string>): string {
  return (
    (result.stderr || result.error?.message || result.stdout || '')
      .trim()
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('    at ') && !/^Node\.js v\d/.test(line))
      .pop()
      ?.trim() ?? ''
  );
}

/**
 * Runs the learner's main.ts (or another file of the exercise) as `npm run exercise` does, from
 * its folder, and returns what it printed; NotDone with the program's last words if it fails,
 * since a check cannot judge a program that does not run.
 */
export function runProgram(folder: string, args: readonly string[] = [], options: ProgramOptions = {}): { stdout: string; stderr: string } {
  const file = options.file ?? 'main.ts';
  const result = spawnProgram(folder, args, options);
  if (result.error || result.status !== 0) {
    const last = lastWords(result) || `exit code ${result.status}`;
    notDone(`${file} ${args.join(' ')} failed when the check ran it: ${last}`.replace(/ +:/, ':'));
  }
  return { stdout: result.stdout, stderr: result.stderr };
}

type AnswerKind = 'integer' | 'number' | 'string';
type AnswerValue<K extends AnswerKind> = K extends 'string' ? string : number;

/** One answer the check reads: its kind, and how to say what to write (`the flat% of hashChain, e.g. 12.5`). */
export interface AnswerField {
  kind: AnswerKind;
  describe: string;
}

/**
 * The learner's answers.json, with each field the check needs filled in and of the right kind;
 * otherwise NotDone naming the first field that is missing, empty or malformed, and its form.
 */
export function readAnswers<Spec extends Record<string, AnswerField>>(folder: string, spec: Spec): { [Name in keyof Spec]: AnswerValue<Spec[Name]['kind']> } {
  const path = join(folder, 'answers.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    notDone(
      `answers.json is missing from ${folder}: npm run workshop -- reset ${basename(folder)} brings back every starting file (the ones you changed move to .workshop-backups)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    notDone(
      `answers.json is not valid JSON (${(error as Error).message}): it holds one object, e.g. {"${Object.keys(spec)[0]}": ${spec[Object.keys(spec)[0]!]!.kind === 'string' ? '"name"' : '10'}}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) notDone('answers.json must hold one object, {"field": value, ...}, as it came');
  const answers = parsed as Record<string, unknown>;
  for (const [name, field] of Object.entries(spec)) {
    const value = answers[name];
    const form = field.kind === 'string' ? 'in quotes' : field.kind === 'integer' ? 'a whole number, no quotes' : 'a number, no quotes';
    if (!(name in answers)) notDone(`answers.json has no "${name}": add it, ${form}: ${field.describe}`);
    if (value === null || value === '') notDone(`answers.json: "${name}" is still empty: ${field.describe} (${form})`);
    const fits =
      field.kind === 'string'
        ? typeof value === 'string'
        : typeof value === 'number' && Number.isFinite(value) && (field.kind === 'number' || Number.isInteger(value));
    if (!fits) notDone(`answers.json: "${name}" should be ${form}, not ${JSON.stringify(value)}: ${field.describe}`);
  }
  return answers as { [Name in keyof Spec]: AnswerValue<Spec[Name]['kind']> };
}

/** A profile the learner's run wrote into the exercise folder; NotDone saying how to make it when it is not there. */
export function learnerProfile(folder: string, file: string, makeWith: string): Profile {
  const path = join(folder, file);
  if (!existsSync(path)) notDone(`${relative(process.cwd(), path) || file} is not there yet: make it with ${makeWith}`);
  try {
    return decodeProfile(readFileSync(path));
  } catch (error) {
    notDone(`${file} is not a profile (${(error as Error).message}): make it again with ${makeWith}`);
  }
}

/** A function's flat and cum values in one sample type, and their shares of the total, as -top computes them. */
export interface FunctionCost {
  flat: number;
  cum: number;
  flatPercent: number;
  cumPercent: number;
}

/** Each function's costs in the sample type named (`samples`, `cpu`, `wall`, ...). */
export function functionCosts(profile: Profile, sampleType: string): Map<string, FunctionCost> {
  const index = typeIndex(profile, sampleType);
  const total = sampleTotal(profile, index);
  const percent = (value: number) => (total === 0 ? 0 : (100 * value) / total);
  return new Map(
    buildGraph(profile, index, 'functions', { edges: false }).map((node) => [
      printableName(node.info),
      { flat: node.flat, cum: node.cum, flatPercent: percent(node.flat), cumPercent: percent(node.cum) },
    ]),
  );
}

/** One frame of a sample's stack: its function, file and line, as -traces and -list show them. */
export interface StackFrame {
  name: string;
  file: string;
  line: number;
}

/**
 * Every sample of a profile with its values (one per sample type), its string labels and its
 * stack, leaf first: what a check reads when the answer is a place in the code (the call under a
 * `(wait)` leaf of an async snapshot, the line that allocated what is held).
 */
export function sampleStacks(profile: Profile): { values: number[]; labels: Record<string, string>; frames: StackFrame[] }[] {
  return profile.samples.map((sample) => ({
    values: [...sample.values],
    labels: Object.fromEntries(sample.labels.filter((label) => label.str !== '').map((label) => [label.key, label.str])),
    // A location lists its inlined functions innermost first, as the stack does.
    frames: sample.locations.flatMap((location) => location.lines.map((line) => ({ name: line.function.name, file: line.function.filename, line: line.line }))),
  }));
}

/** A place in the code that started operations still in flight, and how many. */
export interface WaitSite {
  name: string;
  line: number;
  count: number;
}

/**
 * Where the operations of an async snapshot (asyncProfile, /debug/pprof/async) were started: the
 * frame under each `(wait)` leaf, by function and line, the most operations first. What a check
 * reads when the answer is the call whose operations pile up.
 */
export function waitSites(profile: Profile): WaitSite[] {
  const sites = new Map<string, WaitSite>();
  for (const { frames, values } of sampleStacks(profile)) {
    const [leaf, caller] = frames;
    if (!leaf?.name.startsWith('(wait) ') || !caller) continue;
    const key = `${caller.name}:${caller.line}`;
    const site = sites.get(key) ?? { name: caller.name, line: caller.line, count: 0 };
    site.count += values[0] ?? 0;
    sites.set(key, site);
  }
  return [...sites.values()].sort((a, b) => b.count - a.count);
}

/** How many decimals a number is written with: 2.43 has 2, 98 has 0. */
function decimalsOf(value: number): number {
  const [mantissa = '', exponent = '0'] = String(value).split('e');
  return Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - Number(exponent));
}

/**
 * Whether `answer` says what a report prints as `printed` (`2.43`, `97.63%`, `1.92s`: the number
 * is read, the unit left to the caller), rounded as the learner likes: for 97.63, 97.63, 97.6 and
 * 98 do, 97.5 and 97 do not. An answer with more decimals than printed may be off by half the
 * last printed one. As strict as the report, and no stricter.
 */
export function readsAs(answer: number, printed: string): boolean {
  const number = /-?\d+(?:\.(\d+))?(?:e[-+]?\d+)?/i.exec(printed);
  if (!number) return false;
  const decimals = Math.min(decimalsOf(answer), number[1]?.length ?? 0);
  return Math.abs(answer - Number(number[0])) <= 0.5 * 10 ** -decimals + 1e-9;
}

/** `value` as a share of `total`, as -top and its header print it: `2.43`, `0.046`, `100`. */
export function printedPercent(value: number, total: number): string {
  return percentage(value, total).trim().replace(/%$/, '');
}

/** `value` (in the profile's `unit`) as a report prints it in `outputUnit` (`ms`, `MB`), without the unit: `1920.5`. */
export function printedIn(value: number, unit: string, outputUnit: string): string {
  return toFixed(scale(value, unit, outputUnit)[0], 2);
}

/** A plausible wrong reading of a profile: what it would print, and what the learner read instead. */
export interface Confusion {
  printed: string;
  /** What that value is, for the message: `hashChain's cum%`, `the flat% in before.pb.gz alone`. */
  is: string;
}

/**
 * The confusion an answer looks like, when it does not read as the right value but as one of
 * these: the message then names it (`that is hashChain's cum%, not its flat%`).
 */
export function confusedWith(answer: number, right: string, confusions: readonly Confusion[]): Confusion | undefined {
  if (readsAs(answer, right)) return undefined;
  return confusions.find((confusion) => readsAs(answer, confusion.printed) && !readsAs(Number(confusion.printed), right));
}

/**
 * Checks one number read from a report: NotDone unless it reads as `right` (as printed), with a
 * message that names the confusion it looks like, or else says where the right value is.
 */
export function expectReading(
  field: string,
  answer: number,
  right: string,
  where: { wanted: string; find: string },
  confusions: readonly Confusion[] = [],
): void {
  if (readsAs(answer, right)) return;
  const confusion = confusedWith(answer, right, confusions);
  if (confusion) notDone(`${field} is ${answer}: that is ${confusion.is}, not ${where.wanted}. ${where.find}`);
  notDone(`${field} is ${answer}, but your profile says otherwise for ${where.wanted}: ${where.find}`);
}

/**
 * The readings of a -top a learner may take for another's: every function's flat% and cum% (the
 * named one's other column first), each saying what it is, for expectReading's message.
 */
export function rowConfusions(costs: Map<string, FunctionCost>, total: number, name: string, profileName: string): Confusion[] {
  const own = costs.get(name);
  const rows = [...costs].filter(([other]) => other !== name);
  return [
    ...(own
      ? [
          { printed: printedPercent(own.flat, total), is: `${name}'s flat% in ${profileName}` },
          { printed: printedPercent(own.cum, total), is: `${name}'s cum% in ${profileName}` },
        ]
      : []),
    ...rows.flatMap(([other, cost]) => [
      { printed: printedPercent(cost.flat, total), is: `the flat% of another row of ${profileName}, ${other}` },
      { printed: printedPercent(cost.cum, total), is: `the cum% of another row of ${profileName}, ${other}` },
    ]),
  ];
}

/** A profile's total in one sample type, as its percentages are shares of. */
export function profileTotal(profile: Profile, sampleType: string): number {
  return sampleTotal(profile, typeIndex(profile, sampleType));
}

/** The index of the sample type named, or an error that names it. */
function typeIndex(profile: Profile, sampleType: string): number {
  const index = sampleTypeIndex(profile, sampleType);
  if (index < 0) throw new Error(`the profile has no sample type ${sampleType}: it has ${profile.sampleTypes.map((type) => type.type).join(', ')}`);
  return index;
}

/**
 * The Y of `Showing nodes accounting for X, Y% of Z total` in -top of the profile with these
 * filters (-tagfocus=state=running...), as printed: the share of the rows -top shows, which
 * leaves out the rows below its cut-off.
 */
export function printedShowingPercent(profile: Profile, sampleType: string, filters: Filters = {}): string {
  // Merged, as the command line reads a profile.
  const merged = mergeProfiles([profile]);
  const sampleIndex = typeIndex(merged, sampleType);
  const total = sampleTotal(merged, sampleIndex);
  const filtered = applyFilters(merged, compileFilters(filters)).profile;
  const report = topReport(filtered, { sampleIndex, total, cum: false, activeFilters: [] });
  return /Showing nodes accounting for [^,]+, ([\d.e+-]+)% of/.exec(report)?.[1] ?? '0';
}

/** Whether -top leaves out a row of this cum for being under its cut-off: what "no row" may mean. */
export const belowTopCutoff = (cum: number, total: number) => Math.abs(cum) <= NODE_FRACTION * total;
