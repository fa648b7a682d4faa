import type { Profile } from '../pprof/index.ts';

/**
 * Names as go tool pprof shows them. Before any report it tries to demangle every function's
 * system name, and a name it cannot demangle but that looks like demangled C++ (it holds `<`,
 * `>`, `[`, `]` or `::`) loses its parameters and template arguments: what is between matching
 * `(` and `)`, and between matching `<` and `>`. So V8's `<static_initializer>` becomes the
 * empty name, which reports show as the file it is in, `[canonical-loop.ts]`, and a generic Go
 * method such as `main.(*List[...]).Push` is left alone. A function whose name differs from its
 * system name was named on purpose and keeps it. (C++ and Rust mangled names, `_Z...` and
 * `_R...`, are not demangled here.)
 */
export function simplifyFunctionNames(profile: Profile): void {
  for (const fn of profile.functions) {
    const { name, systemName } = fn;
    if (name !== '' && systemName !== name) continue;
    fn.name = looksLikeDemangledCPlusPlus(systemName) ? removeMatching(removeMatching(systemName, '(', ')'), '<', '>') : systemName;
  }
}

function looksLikeDemangledCPlusPlus(name: string): boolean {
  // Java's `Class.<init>` and Go's `pkg.(*Type[...]).Method` are not C++.
  if (name.includes('.<') || name.includes(']).')) return false;
  return /[<>[\]]/.test(name) || name.includes('::');
}

/** The name without each outermost `open`...`close` pair, nested ones inside it too; as is when they do not match. */
function removeMatching(name: string, open: string, close: string): string {
  let nesting = 0;
  let first = 0;
  let out = name;
  for (let at = 0; at < out.length; at++) {
    const char = out[at];
    if (char === open) {
      if (++nesting === 1) first = at;
    } else if (char === close) {
      nesting--;
      if (nesting < 0) return name;
      if (nesting === 0) {
        out = out.slice(0, first) + out.slice(at + 1);
        at = first - 1;
      }
    }
  }
  return out;
}
