/**
 * npm run pprof -- [options] -top|-traces|-list=REGEX|-peek=REGEX|-tree|-folded|-proto source...
 *
 * Reports on profiles as go tool pprof prints them. Reads .pb.gz and raw .pb pprof files (Go's
 * too) and Node's .cpuprofile and .heapprofile; several sources are merged into one profile.
 * Options take Go's spellings: -sample_index=NAME|N, -nodecount=N, -cum, -output=FILE (also
 * `-name value`).
 */
import { readFileSync } from 'node:fs';
import type { Profile } from 'pprof-format';
import { ProfileFormatError, decodeProfile, encodeProfile, writeFileAtomic } from '../pprof/index.ts';
import { convertNodeProfile } from '../profilers/convert.ts';
import { FILTER_NAMES, FilterError, activeFilters, applyFilters, type Filters } from '../report/filter.ts';
import { defaultSampleIndex, foldedStacks } from '../report/folded.ts';
import { IncompatibleProfilesError, mergeProfiles } from '../report/merge.ts';
import { NoMatchError, listReport } from '../report/list.ts';
import { sampleTotal, topReport } from '../report/top.ts';
import { treeReport } from '../report/tree.ts';
import { unwritableReason } from './output.ts';
import { tracesReport } from '../report/traces.ts';

const REPORTS = ['top', 'traces', 'list', 'peek', 'tree', 'folded', 'proto'] as const;
type Report = (typeof REPORTS)[number];
/** Reports that take a regular expression: -list REGEX, -peek REGEX. */
const REPORTS_WITH_REGEX: readonly Report[] = ['list', 'peek'];
const BOOLEAN_OPTIONS = ['cum'] as const;
const VALUE_OPTIONS = ['sample_index', 'nodecount', 'output', ...FILTER_NAMES] as const;

class UsageError extends Error {}

interface Request {
  report: Report;
  /** The regular expression of -list or -peek. */
  symbol?: RegExp;
  sources: string[];
  sampleIndex?: string;
  nodeCount?: number;
  cum: boolean;
  output?: string;
  filters: Filters;
}

const USAGE = `usage: npm run pprof -- [options] -top|-traces|-list=REGEX|-peek=REGEX|-tree|-folded|-proto profile...
reports: ${REPORTS.map((name) => `-${name}`).join(' ')}
options: -sample_index=NAME|N  -nodecount=N  -cum  -output=FILE
filters: -focus -ignore -hide -show (regexps on functions and files), -tagfocus -tagignore (on labels)`;

function parseArgs(args: readonly string[]): Request {
  let report: Report | undefined;
  let symbol: RegExp | undefined;
  const sources: string[] = [];
  const values = new Map<string, string>();
  let cum = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      sources.push(arg);
      continue;
    }
    const [rawName, inlineValue] = arg.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    const name = rawName;
    if ((REPORTS as readonly string[]).includes(name)) {
      if (report && report !== name) throw new UsageError(`only one report at a time: -${report} and -${name} were both given`);
      report = name as Report;
      if (REPORTS_WITH_REGEX.includes(report)) {
        const source = inlineValue ?? args[++i];
        if (source === undefined) throw new UsageError(`-${name} needs a regular expression naming functions, as in -${name}=main`);
        try {
          symbol = new RegExp(source);
        } catch (error) {
          throw new UsageError(`-${name}=${source} is not a regular expression: ${(error as Error).message}`);
        }
      }
    } else if ((BOOLEAN_OPTIONS as readonly string[]).includes(name)) {
      cum = inlineValue === undefined ? true : inlineValue === 'true';
    } else if ((VALUE_OPTIONS as readonly string[]).includes(name)) {
      const value = inlineValue ?? args[++i];
      if (value === undefined) throw new UsageError(`-${name} needs a value`);
      values.set(name, value);
    } else {
      throw new UsageError(`unknown option ${arg}`);
    }
  }
  if (!report) throw new UsageError('no report given: pick one of ' + REPORTS.map((name) => `-${name}`).join(', '));
  if (sources.length === 0) throw new UsageError('no profile given');
  const nodeCountText = values.get('nodecount');
  const nodeCount = nodeCountText === undefined ? undefined : Number(nodeCountText);
  if (nodeCount !== undefined && (!Number.isInteger(nodeCount) || nodeCount < 0)) throw new UsageError(`-nodecount must be a whole number of nodes, 0 or more, got ${nodeCountText}`);
  const output = values.get('output');
  const unwritable = output === undefined ? undefined : unwritableReason(output);
  if (unwritable) throw new UsageError(unwritable);
  const filters = Object.fromEntries(FILTER_NAMES.filter((name) => values.has(name)).map((name) => [name, values.get(name)])) as Filters;
  return { report, symbol, sources, sampleIndex: values.get('sample_index'), nodeCount, cum, output, filters };
}

/** A pprof file (gzipped or not) or a Node .cpuprofile/.heapprofile, as a pprof Profile. */
export function readSource(path: string): Profile {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ProfileFormatError(code === 'ENOENT' ? `${path}: no such file` : code === 'EISDIR' ? `${path} is a directory, not a profile` : `${path}: ${(error as Error).message}`);
  }
  if (/\.(cpuprofile|heapprofile)$/.test(path)) return convertNodeProfile(path);
  try {
    return decodeProfile(data);
  } catch (error) {
    throw new ProfileFormatError(`${path}: ${(error as Error).message}`);
  }
}

/** The sample type named or numbered by -sample_index, else the profile's default. */
export function sampleIndexOf(profile: Profile, requested: string | undefined): number {
  const names = profile.sampleType.map((type) => profile.stringTable.strings[Number(type.type)] ?? '');
  if (names.length === 0) throw new ProfileFormatError('the profile has no sample types');
  if (requested === undefined) return defaultSampleIndex(profile);
  const byName = names.indexOf(requested);
  if (byName >= 0) return byName;
  const byNumber = Number(requested);
  if (/^\d+$/.test(requested) && byNumber < names.length) return byNumber;
  throw new UsageError(`-sample_index=${requested} is not in this profile: use one of ${names.join(', ')} (or 0 to ${names.length - 1})`);
}

function main(args: readonly string[]): number {
  try {
    const request = parseArgs(args);
    // Merged even when there is one, as go tool pprof does: equal samples add up, empty ones go.
    const profile = mergeProfiles(request.sources.map(readSource));
    const sampleIndex = sampleIndexOf(profile, request.sampleIndex);
    const total = sampleTotal(profile, sampleIndex);
    for (const note of applyFilters(profile, request.filters)) process.stderr.write(`${note}\n`);
    const filters = activeFilters(request.filters);
    const reports: Record<Report, () => string | Uint8Array> = {
      top: () => topReport(profile, { sampleIndex, nodeCount: request.nodeCount, cum: request.cum, activeFilters: filters, total }),
      traces: () => tracesReport(profile, sampleIndex, { total }),
      list: () => listReport(profile, sampleIndex, request.symbol!, { total }),
      peek: () => treeReport(profile, { sampleIndex, symbol: request.symbol, cum: request.cum, activeFilters: filters, total }),
      tree: () => treeReport(profile, { sampleIndex, nodeCount: request.nodeCount, cum: request.cum, activeFilters: filters, total }),
      folded: () => foldedStacks(profile, sampleIndex),
      proto: () => encodeProfile(profile),
    };
    if (request.report === 'proto' && !request.output && process.stdout.isTTY) {
      throw new UsageError('-proto writes a gzipped profile: give -output=FILE, or redirect the output to a file');
    }
    const output = reports[request.report]();
    // Whole or not at all.
    if (request.output) writeFileAtomic(request.output, typeof output === 'string' ? Buffer.from(output) : output);
    else process.stdout.write(output);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`pprof: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ProfileFormatError || error instanceof IncompatibleProfilesError || error instanceof FilterError || error instanceof NoMatchError) {
      process.stderr.write(`pprof: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
