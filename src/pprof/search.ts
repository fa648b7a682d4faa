/**
 * The first index in [0, length) whose `before` is false, given that `before` is true for every
 * index up to some point and false from there on (length if it is never false): a binary
 * search, in log2(length) calls of `before`.
 */
export function partitionPoint(length: number, before: (index: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}
