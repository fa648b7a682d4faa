/**
 * What `npm run pprof -- -help` and `help` at the (pprof) prompt list: every report, command and
 * option, one line each, from one table, so that the two never disagree; and the nearest name
 * to one that does not exist.
 */

interface Entry {
  /** How the command line spells it; absent: the prompt only. */
  readonly cli?: string;
  /** How the prompt spells it; absent: the command line only. */
  readonly prompt?: string;
  readonly says: string;
}

const REPORTS: readonly Entry[] = [
  {
    cli: '-top',
    prompt: 'top[N] [-cum] [regex] [-regex]',
    says: 'functions by flat (or cum) value, the largest first (at the prompt: the first N, 10 unless told)',
  },
  { cli: '-text', prompt: 'text[N] ...', says: 'the same as top' },
  { cli: '-tree', prompt: 'tree[N] ...', says: 'each function between its callers and its callees' },
  { cli: '-peek=REGEX', prompt: 'peek REGEX', says: 'the callers and callees of the matching functions, nothing left out' },
  { cli: '-list=REGEX', prompt: 'list REGEX', says: 'the source lines of the matching functions, with their values' },
  { cli: '-traces', prompt: 'traces', says: 'every sample: its labels, its value and its stack' },
  { cli: '-tags', prompt: 'tags [regex] [-regex]', says: 'each label with its values and their shares' },
  { cli: '-raw', says: 'the whole profile as text: sample types, samples, locations, mappings' },
  { cli: '-folded', says: 'one line per stack, frames joined by ;, then its value (for flame graph tools)' },
  { cli: '-dot', prompt: 'dot[N] ...', says: "the call graph in Graphviz's language (80 nodes unless told)" },
  { cli: '-svg', prompt: 'svg[N] ...', says: "the call graph drawn by Graphviz's dot, as an SVG file" },
  { cli: '-pdf', prompt: 'pdf[N] ...', says: "the call graph drawn by Graphviz's dot, as a PDF file" },
  { cli: '-png', prompt: 'png[N] ...', says: "the call graph drawn by Graphviz's dot, as a PNG image" },
  { cli: '-gif', prompt: 'gif[N] ...', says: "the call graph drawn by Graphviz's dot, as a GIF image" },
  { cli: '-ps', prompt: 'ps[N] ...', says: "the call graph drawn by Graphviz's dot, as a PostScript file" },
  { cli: '-callgrind', prompt: 'callgrind[N] ...', says: 'the call graph in callgrind format, for KCachegrind and QCachegrind' },
  { cli: '-flamegraph', prompt: 'flamegraph ...', says: 'a flame graph, as an SVG file (no Graphviz needed)' },
  { cli: '-proto', prompt: 'proto ...', says: 'the profile as read (merged, filtered), as a gzipped pprof file' },
  { prompt: 'web', says: 'the web UI on this profile and these settings, in a browser' },
  { prompt: 'o', says: 'the settings as they are now' },
  { prompt: 'help', says: 'this list' },
  { prompt: 'quit', says: 'leave (or exit, or Ctrl-D)' },
];

const SETTINGS: readonly Entry[] = [
  { cli: '-sample_index=NAME|N', prompt: 'sample_index=NAME|N', says: 'the sample type reported (its name or number)' },
  { cli: '-nodecount=N', prompt: 'nodecount=N', says: 'show at most N nodes (0: all)' },
  { cli: '-nodefraction=F', prompt: 'nodefraction=F', says: 'leave out nodes below this share of the total (0.005)' },
  { cli: '-edgefraction=F', prompt: 'edgefraction=F', says: 'leave out calls below this share of the total (0.001)' },
  { cli: '-cum', prompt: 'cum=true|false', says: 'sort by cumulative value rather than flat' },
  { cli: '-call_tree', prompt: 'call_tree=true|false', says: 'the call graph as a tree: a node per function per calling context' },
  { cli: '-functions', prompt: 'granularity=functions', says: 'a node per function (the default)' },
  { cli: '-filefunctions', prompt: 'granularity=filefunctions', says: 'a node per function and the file it is in' },
  { cli: '-files', prompt: 'granularity=files', says: 'a node per source file' },
  { cli: '-lines', prompt: 'granularity=lines', says: 'a node per source line' },
  { cli: '-addresses', prompt: 'granularity=addresses', says: 'a node per machine address, before its function and line' },
  { cli: '-unit=UNIT', prompt: 'unit=UNIT', says: 'print values in this unit: ms, s, kB, MB...; auto: each its own' },
  { cli: '-source_path=DIR[:DIR]', prompt: 'source_path=DIR[:DIR]', says: 'where list looks for source files (the current directory)' },
  { cli: '-trim_path=PATH[:PATH]', prompt: 'trim_path=PATH[:PATH]', says: 'prefixes cut from the file names the profile holds' },
  { cli: '-focus=REGEX', prompt: 'focus=REGEX', says: 'only the samples with a function or file matching' },
  { cli: '-ignore=REGEX', prompt: 'ignore=REGEX', says: 'leave out the samples with a function or file matching' },
  { cli: '-hide=REGEX', prompt: 'hide=REGEX', says: 'leave the matching functions out of every stack' },
  { cli: '-show=REGEX', prompt: 'show=REGEX', says: 'keep only the matching functions in every stack' },
  { cli: '-tagfocus=[KEY=]VALUE', prompt: 'tagfocus=[KEY=]VALUE', says: 'only the samples with a matching label (a regex, or a range: 1kb:4mb)' },
  { cli: '-tagignore=[KEY=]VALUE', prompt: 'tagignore=[KEY=]VALUE', says: 'leave out the samples with a matching label' },
  {
    cli: '-output=FILE',
    prompt: 'output=FILE',
    says: 'write reports to FILE, whole or not at all (at the prompt also: COMMAND > FILE; else images go to profile001.svg...)',
  },
  { cli: '-seconds=N', says: 'how long a /debug/pprof URL profiles for' },
  { cli: '-base=PROFILE', says: 'subtract this profile' },
  { cli: '-diff_base=PROFILE', says: 'subtract this profile, percentages of it' },
  { cli: '-http=[HOST]:PORT', says: 'serve the web UI instead of a report (:0 picks a port)' },
  { cli: '-no_browser', says: 'with -http: do not open a browser' },
  { cli: '-help', says: 'this list' },
];

const table = (entries: readonly Entry[], spelling: 'cli' | 'prompt') => {
  const rows = entries.filter((entry) => entry[spelling] !== undefined).map((entry) => [entry[spelling]!, entry.says] as const);
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.map(([name, says]) => `  ${name.padEnd(width)}${says}`).join('\n');
};

/** The one line an unknown option or a command line pprof cannot read is followed by. */
export const USAGE_LINE = 'usage: npm run pprof -- [options] [report] profile...  (npm run pprof -- -help lists them)';

/** `npm run pprof -- -help`. */
export const CLI_HELP = `usage: npm run pprof -- [options] [report] profile...
Profiles: .pb.gz, .pb, .cpuprofile and .heapprofile files, or http(s) URLs of /debug/pprof endpoints; several are merged.
Without a report: the (pprof) prompt (type help there); with -http: the web UI.
Reports (one at a time):
${table(REPORTS, 'cli')}
Options (also -name value):
${table(SETTINGS, 'cli')}`;

/** `help` at the (pprof) prompt. */
export const PROMPT_HELP = `Commands:
${table(REPORTS, 'prompt')}
Settings (name=value; name= sets it back; a granularity also alone, as: lines):
${table(SETTINGS, 'prompt')}`;

/**
 * The name among `names` nearest to `typed`: one it begins (the only one), else one a typing
 * slip away (letters changed, added, dropped or swapped: at most a third of its length).
 */
export function nearestName(typed: string, names: readonly string[]): string | undefined {
  if (typed === '') return undefined;
  const extending = names.filter((name) => name.startsWith(typed));
  if (extending.length === 1) return extending[0];
  let best: string | undefined;
  let bestDistance = Math.floor(typed.length / 3);
  for (const name of names) {
    const distance = editDistance(typed, name);
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) [best, bestDistance] = [name, distance];
  }
  return best;
}

/** Letters changed, added, dropped or swapped with the next to make one word the other. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = distance;
    }
  }
  return rows[a.length]![b.length]!;
}
