/**
 * Hooks that make TypeScript profile line by line, installed by register.mjs once tsx runs.
 *
 * tsx compiles each module onto one line of JavaScript, and V8 reports where a sample was only
 * by line, so through tsx alone every sample in a function maps to the function's first line.
 * These hooks let tsx resolve and classify each module (`.js` specifiers naming `.ts` files,
 * tsconfig paths, ESM or CommonJS), then compile the TypeScript file again keeping its line
 * structure (keep-lines.ts), so per-line costs land on the line the learner wrote.
 *
 * Where they hook in follows where tsx does, which depends on the Node version:
 * - ES modules: beside tsx's own load hook, registered after it so that ours runs first and
 *   sees tsx's verdict. tsx registers in-thread (`module.registerHooks`) from Node 22.22.3,
 *   24.11.1 and 25.1; before that on the loader thread (`module.register`). The two kinds of
 *   hook do not mix on those earlier versions, so ours is of the kind tsx's is.
 * - CommonJS: tsx compiles through `require.extensions` on every version, and every CommonJS
 *   module, required or run as the entry point, ends in `Module.prototype._compile`: ours
 *   replaces the source there.
 */
import module from 'node:module';
import { keepLines, typescriptPath } from './keep-lines.ts';

process.setSourceMapsEnabled(true);

const installed = Symbol.for('node-profiling-workshop.line-keeping-hooks');
const state = globalThis as Record<symbol, boolean | undefined>;

interface CompilingModule {
  _compile(content: string, filename: string, ...rest: unknown[]): unknown;
}

/**
 * Installs the hooks, once per process. `inThread`: whether tsx registered its own hooks
 * in-thread (register.mjs saw it call `module.registerHooks`); ours are then of that kind too.
 */
export function installLineHooks({ inThread }: { inThread: boolean }): void {
  if (state[installed]) return;
  state[installed] = true;

  const prototype = (module as unknown as { prototype: CompilingModule }).prototype;
  const compile = prototype._compile;
  prototype._compile = function (this: CompilingModule, content: string, filename: string, ...rest: unknown[]) {
    // A third argument of 'module' (require of an ES module) is the ES module hooks' business.
    const kept = rest[0] === 'module' || !typescriptPath(filename) ? undefined : keepLines(filename, 'commonjs');
    return compile.call(this, kept?.source ?? content, filename, ...rest);
  };

  if (inThread) {
    module.registerHooks({
      load(url, context, nextLoad) {
        const result = nextLoad(url, context);
        const path = typescriptPath(url);
        // CommonJS comes back to _compile above.
        if (!path || !String(result.format).startsWith('module')) return result;
        const kept = keepLines(path, 'module');
        return kept ? { ...result, ...kept, shortCircuit: true } : result;
      },
    });
  } else {
    module.register('./hooks.ts', import.meta.url);
  }
}
