import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

/**
 * tsx squeezes each module onto one line of JavaScript, and V8 reports where a sample was only
 * by line. Through tsx alone every sample in a file would map to the same TypeScript line. This
 * hook runs after tsx has resolved and classified a module and, for TypeScript ES modules,
 * transpiles it again keeping the line structure, with an inline source map, so per-line costs
 * land on the line the learner wrote. CommonJS TypeScript keeps tsx's output (function-level
 * lines only). Names need no keeping: nothing is minified, and esbuild's keepNames wrappers would
 * give an arrow function assigned to a const one name in stack traces (`timed`) and another in
 * V8's CPU profiles (`(anonymous)`), splitting one function in two in a wall profile.
 */

const typescript = /\.(?:[cm]?ts|tsx)$/;

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
  if (result.format !== 'module' || !url.startsWith('file:') || !typescript.test(new URL(url).pathname)) return result;
  const { code } = transformSync(readFileSync(fileURLToPath(url), 'utf8'), {
    loader: url.endsWith('x') ? 'tsx' : 'ts',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: 'inline',
    sourcefile: url,
  });
  return { format: 'module', source: code, shortCircuit: true };
}
