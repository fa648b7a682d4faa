import { readFileSync } from 'node:fs';
import type { Profile } from '../pprof/index.ts';
import { buildGraph, type GraphNode } from './graph.ts';
import { percentage } from './measurement.ts';
import { findSource, type SourcePaths } from './source-path.ts';
import { valueFormat } from './top.ts';
import type { SourceListing, SourceView } from './views.ts';

/** Lines shown around the first and last line with samples. */
const MARGIN = 5;

/** A -list regular expression that names no function in the profile. */
export class NoMatchError extends Error {}

/**
 * The source of each function whose name matches `symbol`, per file, as -list shows it and the
 * web UI's source view: its lines from the function's first (else five before the first line
 * with samples) to five after the last line with samples, each with its flat and cum values.
 * Files are read from disk and found as go tool pprof finds them (source-path.ts), in
 * `sourcePath` (-source_path; the current directory unless given) after cutting `trimPath`
 * (-trim_path). A function the profile knows no file of has no listing, but its name is in
 * `unlocated`.
 */
export function sourceListings(profile: Profile, sampleIndex: number, symbol: RegExp, where: SourceLookup = {}): SourceView {
  const { cwd = process.cwd(), sourcePath = '', trimPath = '', refusal } = where;
  // File names as reports show them, trimmed; then looked for as they are or from the search path.
  const nodes = buildGraph(profile, sampleIndex, 'lines', { objNames: true, edges: false, paths: { search: sourcePath, trim: trimPath } });
  const lookup: SourcePaths = { search: sourcePath || cwd, trim: trimPath };
  const byFunction = new Map<string, GraphNode[]>();
  for (const node of nodes) {
    if (!symbol.test(node.info.name)) continue;
    byFunction.set(node.info.name, [...(byFunction.get(node.info.name) ?? []), node]);
  }
  if (byFunction.size === 0)
    throw new NoMatchError(`no function matches ${symbol.source}: -list takes a regular expression on function names (see -top for them)`);
  const listings: SourceListing[] = [];
  const unlocated: string[] = [];
  const opened = new Set<string>();
  for (const name of [...byFunction.keys()].sort()) {
    const byFile = new Map<string, GraphNode[]>();
    for (const node of byFunction.get(name)!) if (node.info.file) byFile.set(node.info.file, [...(byFile.get(node.info.file) ?? []), node]);
    if (byFile.size === 0) unlocated.push(name);
    for (const file of [...byFile.keys()].sort()) {
      const lineNodes = byFile.get(file)!;
      const flat = lineNodes.reduce((sum, node) => sum + node.flat, 0);
      const cum = lineNodes.reduce((sum, node) => sum + node.cum, 0);
      const first = lineNodes[0]!.info;
      let start = first.startLine || first.line - MARGIN;
      let end = first.line + MARGIN;
      for (const { info } of lineNodes) {
        const nodeStart = info.startLine || info.line - MARGIN;
        if (nodeStart < start) start = nodeStart;
        else if (info.line + MARGIN > end) end = info.line + MARGIN;
      }
      // As go tool pprof: a file is opened for the first line to show, so a range that ends before
      // it starts (lines with samples above the function's first) shows nothing and tells no
      // error, unless a listing before opened that file already.
      if (Math.max(1, start) <= end) opened.add(file);
      if (!opened.has(file)) {
        listings.push({ name, file, flat, cum, lines: [] });
        continue;
      }
      const source = readSource(file, lookup, refusal);
      if (typeof source === 'string') {
        listings.push({ name, file, flat, cum, lines: source });
        continue;
      }
      const lines = [];
      for (let line = Math.max(1, start); line <= end && line <= source.length; line++) {
        const here = lineNodes.filter((node) => node.info.line === line);
        lines.push({
          number: line,
          text: source[line - 1]!,
          flat: here.reduce((sum, node) => sum + node.flat, 0),
          cum: here.reduce((sum, node) => sum + node.cum, 0),
        });
      }
      listings.push({ name, file, flat, cum, lines });
    }
  }
  return { listings, unlocated };
}

/** The text of `go tool pprof -list REGEX`: each listing under its ROUTINE line, `.` for no cost. */
export function listReport(profile: Profile, sampleIndex: number, symbol: RegExp, options: SourceLookup & { total?: number; unit?: string } = {}): string {
  const view = valueFormat(profile, sampleIndex, options.total);
  view.outputUnit = options.unit ?? 'minimum';
  const { listings, unlocated } = sourceListings(profile, sampleIndex, symbol, options);
  const valueOrDot = (value: number) => (value === 0 ? '.' : view.format(value));
  const out = [`Total: ${view.format(view.total)}`];
  // Go prints functions in name order, a function with no file where its listing would be.
  const names = [...new Set([...listings.map((listing) => listing.name), ...unlocated])].sort();
  for (const name of names) {
    if (unlocated.includes(name)) out.push(`No source information for ${name}`);
    for (const listing of listings.filter((candidate) => candidate.name === name)) {
      out.push(`ROUTINE ======================== ${name} in ${listing.file}`);
      out.push(
        `${view.format(listing.flat).padStart(10)} ${view.format(listing.cum).padStart(10)} (flat, cum) ${percentage(listing.cum, view.total)} of Total`,
      );
      if (typeof listing.lines === 'string') {
        out.push(` Error: ${listing.lines}`);
        continue;
      }
      for (const line of listing.lines)
        out.push(`${valueOrDot(line.flat).padStart(10)} ${valueOrDot(line.cum).padStart(10)} ${String(line.number).padStart(6)}:${line.text}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * Why a file a profile names is not to be read, given the name and the path it was found at;
 * undefined to read it. A server that lists source for others says which files it shows.
 */
export type SourceRefusal = (file: string, path: string) => string | undefined;

/** Where -list looks for sources: -source_path, -trim_path, the directory it is run from; and what a server will not show. */
export interface SourceLookup {
  cwd?: string;
  sourcePath?: string;
  trimPath?: string;
  refusal?: SourceRefusal;
}

/** A source file's lines, or why it could not be read. */
function readSource(file: string, paths: SourcePaths, refusal?: SourceRefusal): string[] | string {
  const found = findSource(file, paths);
  if ('error' in found) return found.error;
  const { path } = found;
  const refused = refusal?.(file, path);
  if (refused) return refused;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A directory opens, and reading it fails: go tool pprof lists no lines and says nothing.
    if (code === 'EISDIR') return [];
    return `open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`;
  }
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (lines[lines.length - 1] === '') lines.pop();
  // go tool pprof reads a file's lines until one of 64 KiB or more (a minified bundle's), silently.
  const tooLong = lines.findIndex((line) => line.length >= LONGEST_LINE_BYTES / 3 && Buffer.byteLength(line) >= LONGEST_LINE_BYTES);
  return tooLong === -1 ? lines : lines.slice(0, tooLong);
}

const LONGEST_LINE_BYTES = 64 * 1024;
