import { describe, expect, it } from 'vitest';
import { AllocationHistory } from '../../src/http/allocations.ts';
import { stacks } from '../helpers/profile.ts';

function churn(): number {
  let total = 0;
  for (let i = 0; i < 20_000; i++) total += new Array(64).fill(i).length;
  return total;
}

describe('allocation history', () => {
  it('adds up every fold, and holds one sample per stack however many folds pass', () => {
    const history = new AllocationHistory();
    try {
      const sizes: number[] = [];
      let churned = 0;
      for (let fold = 0; fold < 20; fold++) {
        churn();
        const total = history.total();
        sizes.push(total.samples.length);
        churned = stacks(total)
          .filter(({ frames }) => frames.some((frame) => frame.startsWith('churn ')))
          .reduce((sum, { values }) => sum + values[0]!, 0);
      }
      // Twenty rounds of about 10 MB each, sampled: the total keeps growing...
      expect(churned).toBeGreaterThan(20 * 5 * 2 ** 20);
      // ...while the samples kept are those of the distinct stacks (a few lines of churn), not one
      // per sample V8 took (one per 512 KiB on average: some 400 here).
      const samplesTaken = churned / (512 * 1024);
      expect(sizes[19]!, `samples kept per round: ${sizes.join(' ')}`).toBeLessThan(samplesTaken / 10);
    } finally {
      history.stop();
    }
  });
});
