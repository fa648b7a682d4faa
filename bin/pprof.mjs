#!/usr/bin/env node
/**
 * Starts npm run pprof from one JavaScript file that esbuild bundles from src/cli/pprof.ts the
 * first time, and again whenever one of the sources it was built from changes: a report tool is
 * started often, and loading TypeScript through tsx costs every start about a tenth of a second.
 * The bundle lives in node_modules/.cache, next to what npm installed, or in the temporary
 * directory where node_modules cannot be written; V8's compile cache of it beside it.
 */
import nodeModule from 'node:module';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'src/cli/pprof.ts');
const cache = writableCache();
const bundle = join(cache, 'pprof.mjs');
const manifest = join(cache, 'pprof.inputs.json');

function writableCache() {
  const preferred = join(root, 'node_modules/.cache/node-profiling-workshop');
  try {
    mkdirSync(preferred, { recursive: true });
    accessSync(preferred, constants.W_OK);
    return preferred;
  } catch {
    return join(tmpdir(), `node-profiling-workshop-${Buffer.from(root).toString('base64url').slice(-24)}`);
  }
}

/** Whether the bundle was built from the sources as they are now. */
function fresh() {
  if (!existsSync(bundle) || !existsSync(manifest)) return false;
  try {
    const inputs = JSON.parse(readFileSync(manifest, 'utf8'));
    return Object.entries(inputs).every(([file, modified]) => statSync(join(root, file)).mtimeMs === modified);
  } catch {
    return false;
  }
}

/**
 * Removes what builds killed midway left (`NAME.PID.tmp`, their process gone): a build that
 * is running now, in another pprof, keeps its own.
 */
function removeAbandonedBuilds() {
  for (const name of readdirSync(cache)) {
    const pid = Number(/^(?:pprof\.mjs|pprof\.inputs\.json)\.(\d+)\.tmp$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if (error.code === 'ESRCH') rmSync(join(cache, name), { force: true });
    }
  }
}

if (!fresh()) {
  const { build } = await import('esbuild');
  mkdirSync(cache, { recursive: true });
  removeAbandonedBuilds();
  // Built beside the bundle, then renamed over it: a pprof started meanwhile reads a whole file.
  const temporary = `${bundle}.${process.pid}.tmp`;
  const result = await build({
    entryPoints: [entry],
    // Input paths in the metafile are relative to this, wherever pprof is started from.
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // pprof-format too, the one package every run loads: in the one file, whose compiled code
    // V8's compile cache keeps, it is neither resolved nor loaded as a module of its own.
    external: ['esbuild'],
    outfile: temporary,
    metafile: true,
    logLevel: 'error',
    // The web UI bundles the browser's code from the sources, which it finds here.
    define: { 'process.env.WORKSHOP_ROOT': JSON.stringify(root) },
  });
  // This file too: a change to how the bundle is built makes it stale.
  const files = [...Object.keys(result.metafile.inputs), 'bin/pprof.mjs'];
  const inputs = Object.fromEntries(files.map((file) => [file, statSync(join(root, file)).mtimeMs]));
  writeFileSync(`${manifest}.${process.pid}.tmp`, JSON.stringify(inputs));
  renameSync(temporary, bundle);
  renameSync(`${manifest}.${process.pid}.tmp`, manifest);
}
// Node 22.1 and later keep V8's compiled code of the bundle between starts: a start then
// compiles none of it again. Best effort: where it cannot, Node compiles as before.
nodeModule.enableCompileCache?.(join(cache, 'compile-cache'));
await import(pathToFileURL(bundle).href);
