/**
 * The ES module hook of line-hooks.ts for Node versions on which tsx registers its hooks on the
 * loader thread (`module.register`): this runs there, after tsx has loaded a module.
 */
import { keepLines, typescriptPath } from './keep-lines.ts';

interface LoadContext {
  format?: string;
}
interface LoadResult {
  format?: string;
  source?: string | ArrayBuffer | Uint8Array;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context: LoadContext) => Promise<LoadResult>;

export async function load(url: string, context: LoadContext, nextLoad: NextLoad): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  const path = typescriptPath(url);
  // A CommonJS module comes with its source when it is the entry point (a .cts run directly).
  if (!path || result.source == null) return result;
  const kept = keepLines(path, String(result.format));
  return kept ? { ...result, ...kept, shortCircuit: true } : result;
}
