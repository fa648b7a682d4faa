/**
 * The program being measured: counts the words of a text and lists the most frequent, in small
 * steps that call each other many times, as real code does. The steps are methods called through
 * `this`, so a tracer that replaces the methods sees every call.
 */
const STOP_WORDS = new Set(['a', 'an', 'and', 'the', 'of', 'to', 'in', 'is', 'it', 'on', 'for', 'with']);

export class WordCounter {
  readonly counts = new Map<string, number>();

  countText(text: string): void {
    for (const line of text.split('\n')) this.countLine(line);
  }

  countLine(line: string): void {
    for (const token of this.tokenize(line)) {
      const word = this.normalize(token);
      if (word !== '' && !this.isStopWord(word)) this.add(word);
    }
  }

  tokenize(line: string): string[] {
    return line.split(/\s+/);
  }

  normalize(token: string): string {
    return token.toLowerCase().replace(/[^a-z']/g, '');
  }

  isStopWord(word: string): boolean {
    return STOP_WORDS.has(word);
  }

  add(word: string): void {
    this.counts.set(word, (this.counts.get(word) ?? 0) + 1);
  }

  mostFrequent(n: number): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
  }
}

/** A text of `lines` lines of made-up words, the same on every run. */
export function sampleText(lines: number): string {
  const syllables = ['pro', 'fi', 'ler', 'sam', 'ple', 'stack', 'node', 'time', 'wait', 'heap', 'the', 'and', 'of'];
  let seed = 1;
  const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const word = () => Array.from({ length: 1 + Math.floor(next() * 3) }, () => syllables[Math.floor(next() * syllables.length)]).join('');
  return Array.from({ length: lines }, () => Array.from({ length: 8 + Math.floor(next() * 8) }, word).join(' ')).join('\n');
}
