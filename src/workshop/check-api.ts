/**
 * The part of vitest's API a check.test.ts is written with (`import { it } from 'vitest'`), for
 * the lean check runner (check-runner.ts), which maps the `vitest` import of a check file to
 * this module: it, test and describe, their skip, only and todo, and the four hooks. A check
 * importing anything else (expect, vi, it.each) fails to load here and runs under vitest itself.
 */

/** How long a test or hook may take, as under vitest (vitest.checks.config.ts): a check runs programs. */
export const CHECK_TIMEOUT_MS = 120_000;

export type Body = () => unknown;
type Options = number | { timeout?: number };

export interface CheckTest {
  kind: 'test';
  name: string;
  body?: Body;
  timeoutMs?: number;
  mode: 'run' | 'skip' | 'only' | 'todo';
}

export interface CheckSuite {
  kind: 'suite';
  name: string;
  mode: 'run' | 'skip' | 'only';
  children: (CheckTest | CheckSuite)[];
  beforeAll: Body[];
  afterAll: Body[];
  beforeEach: Body[];
  afterEach: Body[];
}

const newSuite = (name: string, mode: CheckSuite['mode']): CheckSuite => ({
  kind: 'suite',
  name,
  mode,
  children: [],
  beforeAll: [],
  afterAll: [],
  beforeEach: [],
  afterEach: [],
});

/** The file's tests, in the order they were declared. */
export const root = newSuite('', 'run');
let current = root;

const timeoutOf = (options: Options | undefined) => (typeof options === 'number' ? options : options?.timeout);

function declareTest(mode: CheckTest['mode']) {
  return (name: string, body?: Body, options?: Options): void => {
    current.children.push({ kind: 'test', name, body, timeoutMs: timeoutOf(options), mode: body ? mode : 'todo' });
  };
}

function declareSuite(mode: CheckSuite['mode']) {
  return (name: string, body?: () => void): void => {
    const suite = newSuite(name, mode);
    current.children.push(suite);
    const parent = current;
    current = suite;
    try {
      body?.();
    } finally {
      current = parent;
    }
  };
}

export const it = Object.assign(declareTest('run'), {
  skip: declareTest('skip'),
  only: declareTest('only'),
  todo: (name: string) => declareTest('todo')(name),
});
export const test = it;
export const describe = Object.assign(declareSuite('run'), { skip: declareSuite('skip'), only: declareSuite('only') });
export const beforeAll = (body: Body): void => void current.beforeAll.push(body);
export const afterAll = (body: Body): void => void current.afterAll.push(body);
export const beforeEach = (body: Body): void => void current.beforeEach.push(body);
export const afterEach = (body: Body): void => void current.afterEach.push(body);
