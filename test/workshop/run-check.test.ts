import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/workshop/run-check.ts';
import { repoRoot } from '../helpers/run.ts';

/**
 * How a check file is run: by the lean runner when it uses what check-api.ts offers, as vitest
 * would run it (in order, hooks around, the first failure's message the reason), and by vitest
 * itself when it asks for more.
 */
let folder: string;
let count = 0;
/** A check file with this text, in a folder of its own inside the repository (for '#workshop'). */
function checkFile(text: string): string {
  const dir = join(folder, String(count++));
  mkdirSync(dir);
  const file = join(dir, 'check.test.ts');
  writeFileSync(file, text);
  return file;
}
const check = (text: string) => runCheck(repoRoot, checkFile(text));
/**
 * Each test starts a runner (node with tsx, or vitest) for every check it runs, up to four: with
 * CPU hogs on both cores (Node 24, load average 30) two tests took past the default 60 s. The
 * timeout guards against a hang; how fast a runner starts is not what these tests check.
 */
const startsProcesses = { timeout: 300_000 };

beforeAll(() => {
  folder = mkdtempSync(join(repoRoot, '.run-check-test-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('the lean runner', startsProcesses, () => {
  it('runs the tests in order, with their hooks, up to the first failure, whose message is the reason', async () => {
    const log = join(folder, 'order.log');
    const verdict = await check(`
      import { appendFileSync } from 'node:fs';
      import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest';
      import { notDone } from '#workshop';
      const note = (what: string) => appendFileSync(${JSON.stringify(log)}, what + ' ');
      beforeAll(() => note('beforeAll'));
      afterAll(() => note('afterAll'));
      beforeEach(() => note('beforeEach'));
      afterEach(() => note('afterEach'));
      describe('inner', () => {
        it('passes', async () => { await new Promise((resolve) => setTimeout(resolve, 5)); note('first'); });
        it('fails', () => { note('second'); notDone('the second test says why'); });
      });
      it('is not reached', () => note('third'));
    `);
    expect(verdict).toEqual({ done: false, reason: 'the second test says why' });
    expect(readFileSync(log, 'utf8').trim()).toBe('beforeAll beforeEach first afterEach beforeEach second afterEach afterAll');
  });

  it('passes a check whose tests all pass, and names the class of an error that is not a failed check', async () => {
    expect(await check(`import { it, test } from 'vitest';\nit('one', () => {});\ntest('two', async () => {});\n`)).toEqual({ done: true });
    expect(await check(`import { it } from 'vitest';\nit('one', () => { (undefined as unknown as { a: number }).a; });\n`)).toEqual({
      done: false,
      reason: expect.stringMatching(/^TypeError: Cannot read properties of undefined/),
    });
  });

  it('fails a check on a rejection nobody handled, and says when a hook or the file is broken', async () => {
    expect(await check(`import { it } from 'vitest';\nit('one', () => { void Promise.reject(new Error('unhandled')); });\n`)).toEqual({
      done: false,
      reason: 'unhandled',
    });
    expect(await check(`import { beforeAll, it } from 'vitest';\nbeforeAll(() => { throw new Error('no fixture'); });\nit('one', () => {});\n`)).toEqual({
      done: false,
      reason: 'the check could not run: no fixture',
    });
    const empty = checkFile(`import { it } from 'vitest';\n`);
    expect(await runCheck(repoRoot, empty)).toEqual({ done: false, reason: `the check found no tests in ${empty}` });
    expect(await check(`import { it } from 'vitest';\nimport './missing.ts';\nit('one', () => {});\n`)).toEqual({
      done: false,
      reason: expect.stringMatching(/^the check could not run: .*missing\.ts/),
    });
  });

  it('runs only the tests marked only, and none that are skipped', async () => {
    expect(await check(`import { it } from 'vitest';\nit.only('one', () => {});\nit('two', () => { throw new Error('ran'); });\n`)).toEqual({ done: true });
    expect(
      await check(
        `import { describe, it } from 'vitest';\ndescribe.skip('off', () => { it('two', () => { throw new Error('ran'); }); });\nit.skip('three', () => { throw new Error('ran'); });\nit('one', () => {});\n`,
      ),
    ).toEqual({ done: true });
  });
});

it('leaves a check that asks vitest for more than the lean runner has to vitest', startsProcesses, async () => {
  expect(await check(`import { expect, it } from 'vitest';\nit('one', () => { expect(1 + 1).toBe(3); });\n`)).toEqual({
    done: false,
    reason: expect.stringContaining('expected 2 to be 3'),
  });
  expect(await check(`import { expect, it } from 'vitest';\nit('one', () => { expect(1 + 1).toBe(2); });\n`)).toEqual({ done: true });
});
