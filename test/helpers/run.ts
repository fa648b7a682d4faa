import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { typescriptNodeFlags } from '../../src/loader/node-flags.ts';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Runs a TypeScript program as the workshop does (tsx + our line-preserving loader). */
export function runTypeScript(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...typescriptNodeFlags(), file, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}

/** Runs `npm run profile -- ...args` the way a user does, through the CLI entry point. */
export function runProfileCommand(args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return runCli('profile', args, env);
}

/** The file `npm run pprof` runs: it starts the CLI from a bundle of src/cli/pprof.ts. */
export const pprofEntry = fileURLToPath(new URL('../../bin/pprof.mjs', import.meta.url));

/** Runs `npm run pprof -- ARGS` without npm; `input` is what it reads on stdin. */
export function runPprofCommand(args: string[], env: NodeJS.ProcessEnv = {}, input = ''): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [pprofEntry, ...args], { input, cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

function runCli(name: string, args: string[], env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL(`../../src/cli/${name}.ts`, import.meta.url)), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
}
