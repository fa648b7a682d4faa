/**
 * Node flags that run a TypeScript program the way the workshop profiles it: tsx resolves and
 * compiles, and our loader keeps the line structure so profiles point at the lines written.
 * Absolute URLs, so a program outside this repository still finds them.
 */
export function typescriptNodeFlags(): string[] {
  return ['--import', import.meta.resolve('tsx'), '--import', new URL('../loader/register.ts', import.meta.url).href];
}
