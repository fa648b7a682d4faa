import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const typescript = /\.(?:[cm]?ts|tsx)$/;

/** The file a TypeScript module's `file:` URL or absolute path names; undefined for anything else. */
export function typescriptPath(urlOrPath: string): string | undefined {
  const path = urlOrPath.startsWith('file:')
    ? fileURLToPath(urlOrPath.replace(/[?#].*$/, ''))
    : urlOrPath.startsWith('/') || /^[A-Za-z]:[\\/]/.test(urlOrPath)
      ? urlOrPath
      : undefined;
  return path && typescript.test(path) ? path : undefined;
}

/**
 * The file compiled again with its lines where they were, in the module format the loader
 * chose for it, or undefined for a format that is not JavaScript. Names need no keeping:
 * nothing is minified, and esbuild's keepNames wrappers would give an arrow function assigned to
 * a const one name in stack traces (`timed`) and another in V8's CPU profiles (`(anonymous)`),
 * splitting one function in two in a wall profile.
 */
export function keepLines(path: string, loadedFormat: string): { format: 'module' | 'commonjs'; source: string } | undefined {
  const format = loadedFormat.startsWith('module') ? 'module' : loadedFormat.startsWith('commonjs') ? 'commonjs' : undefined;
  if (!format) return undefined;
  const { code } = transformSync(readFileSync(path, 'utf8'), {
    loader: path.endsWith('x') ? 'tsx' : 'ts',
    format: format === 'module' ? 'esm' : 'cjs',
    // For CommonJS, esbuild then notes the export names where Node's import of CommonJS looks.
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    sourcemap: 'inline',
    sourcefile: path,
  });
  return { format, source: code };
}
