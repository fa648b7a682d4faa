/**
 * A regular expression a person typed (`-focus=...`, `-list=...`), or the error `toError` makes
 * of a message that says which option held what and why it does not compile.
 */
export function compilePattern(option: string, source: string, toError: (message: string) => Error): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw toError(`${option}=${source} is not a regular expression: ${(error as Error).message}`);
  }
}
