/**
 * What an exercise's check.test.ts is written with (`import ... from '#workshop'`): reading the
 * learner's answers.json and profiles, and saying "not done yet" in one line a learner can act
 * on. A check compares answers with what it computes itself, from the learner's own profiles or
 * from running their program, never with a constant their program did not produce.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Profile } from 'pprof-format';
import { decodeProfile } from '../pprof/index.ts';
import { buildGraph, printableName } from '../report/graph.ts';
import { sampleTotal } from '../report/top.ts';
import { typescriptNodeFlags } from '../cli/typescript-node.ts';

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

/**
 * Runs the learner's main.ts (or another file of the exercise) as `npm run exercise` does, from
 * its folder, and returns what it printed; NotDone with the program's last words if it fails,
 * since a check cannot judge a program that does not run.
 */
export function runProgram(folder: string, args: readonly string[] = [], file = 'main.ts'): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--enable-source-maps', ...typescriptNodeFlags(), file, ...args], { cwd: folder, encoding: 'utf8', timeout: 120_000 });
  if (result.error || result.status !== 0) {
    const last = (result.stderr || result.error?.message || '').trim().split('\n').filter((line) => line.trim() && !line.startsWith('    at ')).pop() ?? `exit code ${result.status}`;
    notDone(`${file} ${args.join(' ')} failed when the check ran it: ${last.trim()}`.replace(/ +:/, ':'));
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
    notDone(`answers.json is missing from ${folder}: npm run workshop -- reset restores it`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    notDone(`answers.json is not valid JSON (${(error as Error).message}): it holds one object, e.g. {"${Object.keys(spec)[0]}": ${spec[Object.keys(spec)[0]!]!.kind === 'string' ? '"name"' : '10'}}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) notDone('answers.json must hold one object, {"field": value, ...}, as it came');
  const answers = parsed as Record<string, unknown>;
  for (const [name, field] of Object.entries(spec)) {
    const value = answers[name];
    const form = field.kind === 'string' ? 'in quotes' : field.kind === 'integer' ? 'a whole number, no quotes' : 'a number, no quotes';
    if (!(name in answers)) notDone(`answers.json has no "${name}": add it, ${form}: ${field.describe}`);
    if (value === null || value === '') notDone(`answers.json: "${name}" is still empty: ${field.describe} (${form})`);
    const fits = field.kind === 'string' ? typeof value === 'string' : typeof value === 'number' && Number.isFinite(value) && (field.kind === 'number' || Number.isInteger(value));
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
  const strings = profile.stringTable.strings;
  const index = profile.sampleType.findIndex((type) => strings[Number(type.type)] === sampleType);
  if (index < 0) throw new Error(`the profile has no sample type ${sampleType}`);
  const total = sampleTotal(profile, index);
  const percent = (value: number) => (total === 0 ? 0 : (100 * value) / total);
  return new Map(buildGraph(profile, index, 'functions', { edges: false }).map((node) => [printableName(node.info), { flat: node.flat, cum: node.cum, flatPercent: percent(node.flat), cumPercent: percent(node.cum) }]));
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
  const strings = profile.stringTable.strings;
  const functions = new Map(profile.function.map((fn) => [Number(fn.id), fn]));
  const locations = new Map(profile.location.map((location) => [Number(location.id), location]));
  return profile.sample.map((sample) => ({
    values: sample.value.map(Number),
    labels: Object.fromEntries(sample.label.filter((label) => Number(label.str) !== 0).map((label) => [strings[Number(label.key)] ?? '', strings[Number(label.str)] ?? ''])),
    // A location lists its inlined functions innermost first, as the stack does.
    frames: sample.locationId.flatMap((id) =>
      (locations.get(Number(id))?.line ?? []).map((line) => {
        const fn = functions.get(Number(line.functionId));
        return { name: strings[Number(fn?.name)] ?? '', file: strings[Number(fn?.filename)] ?? '', line: Number(line.line) };
      }),
    ),
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
