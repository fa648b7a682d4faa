import { existsSync } from 'node:fs';
import type { Interface } from 'node:readline';
import { textBytes, writeFileAtomic, type Profile } from '../pprof/index.ts';
import { unwritableReason } from './output.ts';
import { FILTER_NAMES } from '../report/filter.ts';
import { EDGE_FRACTION, NODE_FRACTION, profileLabels, valueFormat } from '../report/top.ts';
import { openBrowser } from '../web/open-browser.ts';
import { PROMPT_HELP, nearestName } from './pprof-help.ts';
import { serveWebUi, type WebUi } from '../web/server.ts';
import {
  REPORTS,
  REPORTS_WITH_REGEX,
  UsageError,
  SETTING_NAMES,
  applySetting,
  checkSettings,
  isInputError,
  isSettingName,
  regexOption,
  runReport,
  sampleIndexOf,
  type Report,
  type Settings,
} from '../report/driver.ts';

/** Reports only the command line draws: the prompt has no raw or folded command. */
const COMMAND_LINE_ONLY: readonly Report[] = ['raw', 'folded'];
/** What the prompt takes: its reports (text too, as -text), then its own commands. */
const COMMANDS = [...REPORTS.filter((report) => !COMMAND_LINE_ONLY.includes(report)), 'text', 'web', 'help', 'o', 'quit', 'exit'];
/**
 * Reports that go to a file even when no output is set, as go tool pprof's prompt writes them:
 * the first free profileNNN name in the current directory, with this ending.
 */
const FILE_ENDINGS: Partial<Record<Report, string>> = {
  svg: '.svg',
  pdf: '.pdf',
  png: '.png',
  gif: '.gif',
  ps: '.ps',
  callgrind: '.callgraph.out',
  flamegraph: '.svg',
  proto: '.pb.gz',
};
/** Reports drawn from the call graph: they take a node count (`svg20`), -cum and focus or -ignore regexps, as top does. */
const GRAPH_REPORTS: readonly Report[] = ['top', 'tree', 'dot', 'svg', 'pdf', 'png', 'gif', 'ps', 'callgrind', 'flamegraph', 'proto'];
/** `top` shows this many nodes unless told (`top20`, nodecount=N), as go tool pprof's prompt. */
const TOP_NODES = 10;

/**
 * The `(pprof)` prompt over one profile, as go tool pprof's interactive mode: the profile's
 * header once, then a report per command (without the header), settings that stay until
 * changed, errors in one line that leave the prompt running. Reads commands from the terminal
 * (with history and tab completion) or from piped input; resolves with the exit code.
 */
export async function interactive(profile: Profile, initial: Settings, options: { title: string; openBrowser: boolean; output?: string }): Promise<number> {
  const settings: PromptSettings = { ...initial, filters: { ...initial.filters }, output: options.output };
  let web: WebUi | undefined;
  /** `web`: one server for the session, on a free loopback port, over the prompt's settings as they are at each view. */
  const startWeb = async () => {
    web ??= await serveWebUi(profile, { host: '127.0.0.1', port: 0, title: options.title, settings });
    const { url } = web;
    process.stdout.write(`Serving web UI on ${url}\n`);
    if (options.openBrowser) openBrowser(url);
  };
  const view = valueFormat(profile, sampleIndexOf(profile, settings.sampleIndex));
  view.outputUnit = settings.unit ?? 'minimum';
  // On stderr, as go tool pprof: what the prompt prints on stdout is reports only.
  process.stderr.write(`${profileLabels(profile, view).join('\n')}\nEntering interactive mode (type "help" for commands, "o" for options)\n`);
  // Loaded here, not at start: a one-report run has no prompt.
  const prompt: Interface = process.getBuiltinModule('node:readline').createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: '(pprof) ',
    terminal: process.stdin.isTTY === true,
    historySize: 500,
    completer: complete,
  });
  // Piped input can end while a command still runs (`web` starts a server): the prompt is then
  // closed, and Node 22 and later throw on prompting a closed interface.
  let closed = false;
  prompt.once('close', () => (closed = true));
  const again = () => {
    if (!closed) prompt.prompt();
  };
  again();
  for await (const line of prompt) {
    try {
      const trimmed = line.trim();
      if (trimmed === 'web') await startWeb();
      else if (!command(profile, settings, trimmed)) break;
    } catch (error) {
      if (!isInputError(error)) throw error;
      process.stderr.write(`${error.message}\n`);
    }
    again();
  }
  prompt.close();
  await web?.close();
  return 0;
}

/** Tab completion: the commands and settings that start with what was typed, or all of them. */
export function complete(line: string): [string[], string] {
  const typed = line.trimStart();
  const words = [...COMMANDS, ...[...SETTING_NAMES, 'output'].map((name) => `${name}=`)];
  const hits = words.filter((word) => word.startsWith(typed));
  return [hits.length > 0 ? hits : words, typed];
}

/** The report settings, and where reports go: `output=FILE` (or -output on the command line) until cleared. */
interface PromptSettings extends Settings {
  output?: string;
}

/** Runs one command line; false when it asks to leave. */
function command(profile: Profile, settings: PromptSettings, line: string): boolean {
  if (line === '') return true;
  const setting = /^(\w+)\s*=\s*(.*)$/.exec(line);
  if (setting) {
    if (setting[1] === 'output') setOutput(settings, setting[2]!.trim());
    else set(profile, settings, setting[1]!, setting[2]!.trim());
    return true;
  }
  const words = line.split(/\s+/);
  // `COMMAND ... > FILE`: this one report to FILE.
  let redirect: string | undefined;
  if (words.at(-1) === '>') throw new UsageError('unexpected end of line after >');
  if (words.length > 2 && words.at(-2) === '>') {
    redirect = words.at(-1)!;
    words.splice(-2);
  }
  const [head = '', ...args] = words;
  const counted = /^(top|text|tree|dot|svg|pdf|png|gif|ps|callgrind|flamegraph|proto)(\d+)$/.exec(head);
  const spelled = counted ? counted[1]! : head;
  const name = spelled === 'text' ? 'top' : spelled;
  switch (name) {
    case 'quit':
    case 'exit':
      return false;
    case 'help':
      process.stdout.write(`${PROMPT_HELP}\n`);
      return true;
    case 'o':
    case 'options':
      process.stdout.write(`${describe(settings)}\n`);
      return true;
    case 'tags':
      deliver(labelled(profile, settings, args), 'tags', redirect ?? settings.output);
      return true;
    case 'top':
    case 'tree':
    case 'dot':
    case 'svg':
    case 'pdf':
    case 'png':
    case 'gif':
    case 'ps':
    case 'callgrind':
    case 'flamegraph':
    case 'proto':
    case 'traces':
    case 'list':
    case 'peek': {
      const report: Report = name;
      // Where it goes is settled first: a file that cannot be written costs no drawing.
      const output = redirect ?? settings.output ?? freeFileName(report);
      const unwritable = output === undefined ? undefined : unwritableReason(output);
      if (unwritable) throw new UsageError(unwritable);
      deliver(
        GRAPH_REPORTS.includes(report) ? ranked(profile, settings, report, counted?.[2], args) : withRegex(profile, settings, report, args),
        report,
        output,
      );
      return true;
    }
    default:
      if (head === 'output') {
        setOutput(settings, args.join(' '));
        return true;
      }
      if (isSettingName(head)) {
        set(profile, settings, head, args.join(' '));
        return true;
      }
      throw new UsageError(`unrecognized command: "${head}"${didYouMean(head)} (type "help" for commands)`);
  }
}

/**
 * A report on stdout, or, with `output`, in that file (whole or not at all), saying which on
 * stderr as go tool pprof does.
 */
function deliver(report: string | Uint8Array, name: Report, output: string | undefined): void {
  const bytes = typeof report === 'string' ? textBytes(report) : report;
  if (output === undefined) {
    process.stdout.write(bytes);
    return;
  }
  process.stderr.write(`Generating report in ${output}\n`);
  try {
    writeFileAtomic(output, bytes);
  } catch (error) {
    throw new UsageError(`${name}: ${(error as Error).message}`);
  }
}

/** For a report written to a file unless told where: profile001.svg, or the next number not taken. */
function freeFileName(report: Report): string | undefined {
  const ending = FILE_ENDINGS[report];
  if (ending === undefined) return undefined;
  for (let number = 1; ; number++) {
    const name = `profile${String(number).padStart(3, '0')}${ending}`;
    if (!existsSync(name)) return name;
  }
}

/** `output=FILE`: every report after goes to FILE (each replacing the last) until `output=` clears it. */
function setOutput(settings: PromptSettings, value: string): void {
  if (value === '') {
    delete settings.output;
    return;
  }
  const unwritable = unwritableReason(value);
  if (unwritable) throw new UsageError(unwritable);
  settings.output = value;
}

/** The reports drawn from the call graph: a count from the command (`top20`), -cum, and focus or -ignore regexps. */
function ranked(profile: Profile, settings: Settings, report: Report, count: string | undefined, args: readonly string[]): string | Uint8Array {
  const once: Settings = { ...settings, filters: { ...settings.filters } };
  if (count !== undefined) once.nodeCount = Number(count);
  else if (report === 'top') once.nodeCount ??= TOP_NODES;
  const focus: string[] = [];
  const ignore: string[] = [];
  for (const arg of args) {
    if (arg === '-cum') once.cum = true;
    else if (arg === '-flat') once.cum = false;
    else if (arg.startsWith('-')) ignore.push(arg.slice(1));
    else focus.push(arg);
  }
  if (focus.length > 0) once.filters.focus = [once.filters.focus, ...focus].filter(Boolean).join('|');
  if (ignore.length > 0) once.filters.ignore = [once.filters.ignore, ...ignore].filter(Boolean).join('|');
  return runReport(profile, report, undefined, once, { compact: true, notes: (note) => process.stderr.write(`${note}\n`) });
}

/** tags: regexps on labels, kept (tagfocus) or dropped (-regex: tagignore), for this once. */
function labelled(profile: Profile, settings: Settings, args: readonly string[]): string {
  const once: Settings = { ...settings, filters: { ...settings.filters } };
  const focus = args.filter((arg) => !arg.startsWith('-'));
  const ignore = args.filter((arg) => arg.startsWith('-')).map((arg) => arg.slice(1));
  if (focus.length > 0) once.filters.tagfocus = focus.join('|');
  if (ignore.length > 0) once.filters.tagignore = ignore.join('|');
  return runReport(profile, 'tags', undefined, once, { compact: true, notes: (note) => process.stderr.write(`${note}\n`) }) as string;
}

/** list and peek take a regexp; traces takes nothing. */
function withRegex(profile: Profile, settings: Settings, report: Report, args: readonly string[]): string {
  let symbol: RegExp | undefined;
  if (REPORTS_WITH_REGEX.includes(report)) {
    if (args.length === 0) throw new UsageError(`${report} needs a regular expression naming functions, as in: ${report} main`);
    symbol = regexOption(report, args.join(' '));
  }
  return runReport(profile, report, symbol, settings, { compact: true, notes: (note) => process.stderr.write(`${note}\n`) }) as string;
}

/** Changes a setting; an empty value clears it. Checked at once, so a bad value is said now. */
function set(profile: Profile, settings: Settings, name: string, value: string): void {
  if (!isSettingName(name)) throw new UsageError(`unknown setting ${name}${didYouMean(name)} (type "help" for the settings)`);
  // The command line finds these out when it draws its one report; the prompt says so at once.
  const next: Settings = { ...settings, filters: { ...settings.filters } };
  applySetting(next, name, value);
  checkSettings(profile, next);
  applySetting(settings, name, value);
}

/** `: did you mean X?` for the command or setting nearest to a name that is neither, else nothing. */
function didYouMean(typed: string): string {
  const nearest = nearestName(typed, [...COMMANDS, ...SETTING_NAMES, 'output']);
  return nearest ? `: did you mean ${nearest}?` : '';
}

function describe(settings: PromptSettings): string {
  const rows: [string, string][] = [
    ['sample_index', settings.sampleIndex ?? "(the profile's default)"],
    ['nodecount', settings.nodeCount === undefined ? `(top: ${TOP_NODES}, tree: 80)` : String(settings.nodeCount)],
    ['cum', String(settings.cum)],
    ['call_tree', String(settings.callTree === true)],
    ['nodefraction', String(settings.nodeFraction ?? NODE_FRACTION)],
    ['edgefraction', String(settings.edgeFraction ?? EDGE_FRACTION)],
    ['granularity', settings.granularity ?? 'functions'],
    ['unit', settings.unit ?? 'minimum'],
    ['source_path', settings.sourcePath ?? ''],
    ['trim_path', settings.trimPath ?? ''],
    ['output', settings.output ?? ''],
    ...FILTER_NAMES.map((name): [string, string] => [name, settings.filters[name] ?? '']),
  ];
  return rows.map(([name, value]) => `  ${name.padEnd(14)}= ${value}`).join('\n');
}
