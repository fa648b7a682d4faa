import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, findSourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { partitionPoint } from './search.ts';

/** A position in the source a person wrote; 1-based, 0 when unknown. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** Turns file:// URLs into paths, which is how pprof readers show and open files. */
export function displayPath(url: string): string {
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

/**
 * Maps positions in the JavaScript V8 ran back to the TypeScript that was written, through
 * source maps: first those Node loaded in this process (`module.findSourceMap`, filled when
 * source maps are enabled, as our loader and tsx do), then a map the script file names on disk,
 * for profiles converted after the program has gone. Results are cached per script.
 */
export class SourceMapper {
  readonly #maps = new Map<string, SourceMap | null>();
  readonly #lineStarts = new Map<string, number>();

  /**
   * `line` and `column` are 1-based positions in the generated code. A column of 0 means
   * only the line is known (V8's per-line sample counts): then the first mapped segment of
   * that generated line stands for it.
   */
  map(url: string, line: number, column: number): SourcePosition {
    const unmapped = { file: displayPath(url), line, column };
    if (!url || line <= 0) return unmapped;
    const sourceMap = this.#sourceMap(url);
    if (!sourceMap) return unmapped;
    const line0 = line - 1;
    const column0 = column > 0 ? column - 1 : this.#firstColumn(url, sourceMap, line0);
    if (column0 < 0) return unmapped;
    const entry = sourceMap.findEntry(line0, column0) as Partial<{
      generatedLine: number;
      originalSource: string;
      originalLine: number;
      originalColumn: number;
    }>;
    if (entry.originalSource === undefined || entry.generatedLine !== line0) return unmapped;
    return { file: displayPath(entry.originalSource), line: entry.originalLine! + 1, column: entry.originalColumn! + 1 };
  }

  /** The first generated column on `line0` that has a mapping, or -1; a binary search over findEntry. */
  #firstColumn(url: string, sourceMap: SourceMap, line0: number): number {
    const key = `${url}\0${line0}`;
    const cached = this.#lineStarts.get(key);
    if (cached !== undefined) return cached;
    const onLine = (column: number) => (sourceMap.findEntry(line0, column) as { generatedLine?: number }).generatedLine === line0;
    const widest = 1 << 20;
    const found = onLine(widest) ? partitionPoint(widest, (column) => !onLine(column)) : -1;
    this.#lineStarts.set(key, found);
    return found;
  }

  #sourceMap(url: string): SourceMap | null {
    let sourceMap = this.#maps.get(url);
    if (sourceMap === undefined) {
      sourceMap = loadedSourceMap(url) ?? sourceMapOnDisk(url);
      this.#maps.set(url, sourceMap);
    }
    return sourceMap;
  }
}

function loadedSourceMap(url: string): SourceMap | null {
  const candidates = url.startsWith('file://') ? [url, displayPath(url)] : [url, pathToFileURL(url).href];
  for (const candidate of candidates) {
    try {
      const found = findSourceMap(candidate);
      if (found) return found;
    } catch {
      // findSourceMap rejects some specifiers (node: builtins); such scripts have no map.
    }
  }
  return null;
}

const sourceMappingURL = /\/\/[#@] sourceMappingURL=(\S+)\s*$/;

function sourceMapOnDisk(url: string): SourceMap | null {
  const path = displayPath(url);
  if (!path.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(path)) return null;
  try {
    if (!existsSync(path)) return null;
    const text = readFileSync(path, 'utf8');
    const reference = sourceMappingURL.exec(text.slice(-100_000))?.[1];
    if (!reference) return null;
    let payload: string;
    if (reference.startsWith('data:')) {
      const comma = reference.indexOf(',');
      const body = reference.slice(comma + 1);
      payload = reference.slice(0, comma).endsWith(';base64') ? Buffer.from(body, 'base64').toString('utf8') : decodeURIComponent(body);
    } else {
      payload = readFileSync(resolve(dirname(path), reference), 'utf8');
    }
    const parsed = JSON.parse(payload) as { sources?: string[]; sourceRoot?: string };
    // Sources are relative to the map; make them absolute so the mapped file can be opened.
    const root = pathToFileURL(`${dirname(path)}/`).href;
    parsed.sources = (parsed.sources ?? []).map((source) => new URL((parsed.sourceRoot ?? '') + source, root).href);
    delete parsed.sourceRoot;
    return new SourceMap(parsed as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    return null;
  }
}
