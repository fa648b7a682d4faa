/**
 * npm run pprof -- [options] [-top|-text|-traces|-tags|-list=REGEX|-peek=REGEX|-tree|-dot|-svg|-pdf|-png|-gif|-ps|-callgrind|-raw|-folded|-flamegraph|-proto] source...
 *
 * -dot prints the call graph in Graphviz's language; -svg, -pdf, -png, -gif and -ps draw it with Graphviz's
 * `dot` (when installed); -flamegraph draws a flame graph as one SVG file without Graphviz.
 * Reports on profiles as go tool pprof prints them. Reads .pb.gz and raw .pb pprof files (Go's
 * too) and Node's .cpuprofile and .heapprofile; several sources are merged into one profile.
 * Options take Go's spellings: -sample_index=NAME|N, -nodecount=N, -nodefraction=F,
 * -edgefraction=F, -cum, -call_tree, -functions|-filefunctions|-files|-lines|-addresses, -unit=UNIT,
 * -source_path, -trim_path, -output=FILE, and the filters -focus, -ignore, -hide, -show,
 * -tagfocus, -tagignore (also `-name value`); -help lists them all (cli/pprof-help.ts). Without a
 * report it enters the interactive mode, a `(pprof)` prompt; with -http=[host]:port it serves
 * the web UI instead (-no_browser: do not open a browser at it).
 */
import { textBytes, writeFileAtomic } from '../pprof/index.ts';
import { openBrowser, parseListenAddress } from '../web/open-browser.ts';
import { serveWebUi, webTitle } from '../web/server.ts';
import { unwritableReason } from './output.ts';
import { endWhenOutputCloses, exitLike, whenParentGone } from './signals.ts';
import { interactive } from './pprof-interactive.ts';
import {
  REPORTS,
  REPORTS_WITH_REGEX,
  REPORT_ALIASES,
  SETTING_NAMES,
  UsageError,
  applySetting,
  checkSettings,
  isInputError,
  isSettingName,
  isSwitch,
  regexOption,
  reportNamed,
  runReport,
  type Report,
  type SettingName,
  type Settings,
} from '../report/driver.ts';
import { readSources, type Base } from './pprof-sources.ts';
import { startReport } from './jit.ts';
import { CLI_HELP, USAGE_LINE, nearestName } from './pprof-help.ts';
import { GRANULARITIES, type Granularity } from '../report/graph.ts';

/** A command line pprof cannot read at all: the usage follows the one line. */
class CommandLineError extends UsageError {}

/** The command line's own options; the report settings (SETTING_NAMES) are the prompt's too. */
const VALUE_OPTIONS = ['http', 'output', 'seconds', 'base', 'diff_base'] as const;

/** Every name the command line takes, for the nearest to one it does not. */
const OPTION_NAMES = [...REPORTS, ...Object.keys(REPORT_ALIASES), ...SETTING_NAMES, ...VALUE_OPTIONS, 'no_browser', 'help'];

interface Request {
  /** -help: the list of reports and options, and nothing else. */
  help?: boolean;
  /** Absent: the interactive mode. */
  report?: Report;
  /** The regular expression of -list or -peek. */
  symbol?: RegExp;
  sources: string[];
  settings: Settings;
  output?: string;
  /** How long a /debug/pprof endpoint profiles for. */
  seconds?: number;
  base?: Base;
  /** -http: where to serve the web UI. */
  listen?: { host: string; port: number };
  openBrowser: boolean;
}

function parseArgs(args: readonly string[]): Request {
  let report: Report | undefined;
  /** The report as it was spelled: -text is -top, but not both. */
  let reportName = '';
  let symbol: RegExp | undefined;
  const sources: string[] = [];
  const values = new Map<string, string>();
  const settingValues: [SettingName, string][] = [];
  let noBrowser = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      sources.push(arg);
      continue;
    }
    const [name, inlineValue] = arg.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    const named = reportNamed(name);
    if (name === 'help' || name === 'h') return { help: true, sources, settings: { cum: false, filters: {} }, openBrowser: false };
    if (named) {
      if (report && reportName !== name) throw new CommandLineError(`only one report at a time: -${reportName} and -${name} were both given`);
      report = named;
      reportName = name;
      if (REPORTS_WITH_REGEX.includes(report)) {
        const source = inlineValue ?? args[++i];
        if (source === undefined) throw new UsageError(`-${name} needs a regular expression naming functions, as in -${name}=main`);
        symbol = regexOption(`-${name}`, source);
      }
    } else if (name === 'no_browser') {
      noBrowser = inlineValue === undefined || inlineValue === 'true';
    } else if (isSettingName(name)) {
      // -cum and -lines alone turn them on; the others take a value, here or as the next argument.
      const value = isSwitch(name) ? (inlineValue ?? '') : (inlineValue ?? args[++i]);
      if (value === undefined) throw new CommandLineError(`-${name} needs a value`);
      settingValues.push([name, value]);
    } else if ((VALUE_OPTIONS as readonly string[]).includes(name)) {
      const value = inlineValue ?? args[++i];
      if (value === undefined) throw new CommandLineError(`-${name} needs a value`);
      values.set(name, value);
    } else {
      const nearest = nearestName(name, OPTION_NAMES);
      throw new CommandLineError(`unknown option ${arg}${nearest ? `: did you mean -${nearest}?` : ''}`);
    }
  }
  if (sources.length === 0) throw new CommandLineError('no profile given');
  const granularities = settingValues.filter(([name, value]) => GRANULARITIES.includes(name as Granularity) && (value === '' || value === 'true'));
  if (new Set(granularities.map(([name]) => name)).size > 1)
    throw new UsageError(`${granularities.map(([name]) => `-${name}`).join(' and ')} each set the granularity: give one of them`);
  const settings: Settings = { cum: false, filters: {} };
  for (const [name, value] of settingValues) applySetting(settings, name, value, `-${name}`);
  const secondsText = values.get('seconds');
  const seconds = secondsText === undefined ? undefined : Number(secondsText);
  if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 1))
    throw new UsageError(`-seconds must be a whole number of seconds, 1 or more, got ${secondsText}`);
  if (values.has('base') && values.has('diff_base')) throw new UsageError('-base and -diff_base both subtract a profile: give one of them');
  const basePath = values.get('diff_base') ?? values.get('base');
  const base = basePath === undefined ? undefined : { path: basePath, diff: values.has('diff_base') };
  const output = values.get('output');
  const unwritable = output === undefined ? undefined : unwritableReason(output);
  if (unwritable) throw new UsageError(unwritable);
  let listen: Request['listen'];
  const http = values.get('http');
  if (http !== undefined) {
    if (report) throw new UsageError(`-http serves every report in the browser: leave out -${report}`);
    try {
      listen = parseListenAddress(http);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  return {
    report,
    symbol,
    sources,
    settings,
    output,
    seconds,
    base,
    listen,
    openBrowser: !noBrowser,
  };
}

async function main(args: readonly string[]): Promise<number> {
  try {
    const request = parseArgs(args);
    if (request.help) {
      process.stdout.write(`${CLI_HELP}\n`);
      return 0;
    }
    const log = (line: string) => process.stderr.write(`${line}\n`);
    // A report is most often short, and not worth TurboFan's compiles; the prompt and the web UI are long.
    if (request.report && !request.listen) startReport();
    if (request.listen) {
      // The web UI tells before from after against either kind of base: it keeps the base marked.
      const base = request.base && { ...request.base, diff: true };
      const profile = await readSources(request.sources, request.seconds, log, base);
      // A bad setting is said now, and nothing is served: each view of the page would only repeat it.
      const filters = checkSettings(profile, request.settings, '-');
      const web = await serveWebUi(profile, { ...request.listen, title: webTitle(request.sources), settings: request.settings, filters });
      process.stdout.write(`Serving web UI on ${web.url}\n`);
      if (request.openBrowser) openBrowser(web.url);
      // Serves until a signal ends it (their default: the port is freed with the process), or
      // until the parent goes: npm ends at once on SIGHUP and would leave the port held.
      whenParentGone(() => exitLike(1, 'SIGHUP'));
      await new Promise(() => {});
    }
    const profile = await readSources(request.sources, request.seconds, log, request.base, request.report);
    if (!request.report)
      return await interactive(profile, request.settings, { title: webTitle(request.sources), openBrowser: request.openBrowser, output: request.output });
    const binary = { proto: 'a gzipped profile', pdf: 'a PDF file', png: 'a PNG image', gif: 'a GIF image', ps: 'a PostScript file' } as Partial<
      Record<Report, string>
    >;
    const what = binary[request.report];
    if (what && !request.output && process.stdout.isTTY) {
      throw new UsageError(`-${request.report} writes ${what}: give -output=FILE, or redirect the output to a file`);
    }
    const output = runReport(profile, request.report, request.symbol, request.settings, { notes: (line) => process.stderr.write(`${line}\n`) });
    // Whole or not at all; a profile's bytes that are not UTF-8 as they were.
    const bytes = typeof output === 'string' ? textBytes(output) : output;
    if (request.output) writeFileAtomic(request.output, bytes);
    else process.stdout.write(bytes);
    return 0;
  } catch (error) {
    if (!isInputError(error)) throw error;
    process.stderr.write(`pprof: ${error.message}\n${error instanceof CommandLineError ? `${USAGE_LINE}\n` : ''}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

endWhenOutputCloses();
process.exitCode = await main(process.argv.slice(2));
