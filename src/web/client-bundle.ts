import { fileURLToPath } from 'node:url';

/**
 * Where the workshop's files are. The pprof command runs from a bundle in a cache directory, so
 * bin/pprof.mjs writes the place into the bundle; run from source, it is two folders up.
 */
const root = process.env.WORKSHOP_ROOT ?? fileURLToPath(new URL('../..', import.meta.url));

/** The web UI's script and stylesheet, as the browser loads them. */
export interface ClientBundle {
  readonly script: string;
  readonly stylesheet: string;
}

/**
 * Bundles the browser's code (src/web/client/app.ts with the flame graph and the report modules
 * it shares) in memory when the server starts: a fraction of a second, and never stale.
 */
export async function bundleClient(): Promise<ClientBundle> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [`${root}/src/web/client/app.ts`],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    outdir: '/bundle',
    logLevel: 'error',
  });
  const text = (extension: string) => result.outputFiles.find((file) => file.path.endsWith(extension))?.text ?? '';
  return { script: text('.js'), stylesheet: text('.css') };
}
