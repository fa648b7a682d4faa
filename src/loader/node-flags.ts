/**
 * Node flags that run a TypeScript program the way the workshop profiles it: tsx resolves and
 * compiles, and our loader keeps the line structure so profiles point at the lines written
 * (src/loader/register.mjs). An absolute URL, so a program outside this repository finds it.
 */
export function typescriptNodeFlags(): string[] {
  return ['--import', new URL('./register.mjs', import.meta.url).href];
}
