import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadExercises } from '../../src/workshop/metadata.ts';
import {
  collectStartingFiles,
  decodeStartingFiles,
  encodeStartingFiles,
  readStartingFiles,
  resetFolder,
  STARTING_FILES,
  type StartingFiles,
  startingFilesDiffer,
} from '../../src/workshop/starting-files.ts';
import { repoRoot } from '../helpers/run.ts';

const files = (entries: Record<string, Record<string, string | Buffer>>): StartingFiles =>
  new Map(Object.entries(entries).map(([folder, inFolder]) => [folder, new Map(Object.entries(inFolder).map(([path, bytes]) => [path, Buffer.from(bytes)]))]));

describe(STARTING_FILES, () => {
  it("holds every exercise's files exactly as they are in the repository (npm run workshop:pack writes it again)", () => {
    const differences = startingFilesDiffer(readStartingFiles(repoRoot), collectStartingFiles(repoRoot, loadExercises(repoRoot)));
    expect(differences, `${STARTING_FILES} is out of date: run npm run workshop:pack`).toEqual([]);
  });

  it('has the starting files of every folder in workshop.json, lesson, program, answers and check, and no others', () => {
    const packed = readStartingFiles(repoRoot);
    const folders = [...new Set(loadExercises(repoRoot).map((exercise) => exercise.folder))].sort();
    expect([...packed.keys()]).toEqual(folders);
    for (const folder of folders)
      expect([...packed.get(folder)!.keys()], folder).toEqual(expect.arrayContaining(['README.md', 'answers.json', 'check.test.ts', 'main.ts']));
  });

  it('names each file that is changed, new or gone, and nothing when the two agree', () => {
    const packed = files({ 'exercises/01': { 'main.ts': 'a', 'gone.ts': 'g', 'same.ts': 's' }, 'debugme/x': { 'main.ts': 'x' } });
    const working = files({ 'exercises/01': { 'main.ts': 'b', 'new.ts': 'n', 'same.ts': 's' }, 'debugme/x': { 'main.ts': 'x' } });
    expect(startingFilesDiffer(packed, working)).toEqual([
      `exercises/01/gone.ts: gone, still in ${STARTING_FILES}`,
      `exercises/01/main.ts: changed since ${STARTING_FILES} was written`,
      `exercises/01/new.ts: new, not in ${STARTING_FILES}`,
    ]);
    expect(startingFilesDiffer(working, working)).toEqual([]);
    expect(startingFilesDiffer(files({}), files({ 'exercises/02': { 'main.ts': '' } }))).toEqual([`exercises/02/main.ts: new, not in ${STARTING_FILES}`]);
  });

  it('keeps text as text and other bytes exactly, sorted whatever the order they came in', () => {
    const binary = Buffer.from([0x1f, 0x8b, 0xff, 0x00, 0xc3]);
    const text = encodeStartingFiles(files({ 'z/b': { 'main.ts': 'const a = "é";\n' }, 'a/b': { 'x.pb.gz': binary, 'README.md': '# hi\n' } }));
    expect(text).toBe(encodeStartingFiles(files({ 'a/b': { 'README.md': '# hi\n', 'x.pb.gz': binary }, 'z/b': { 'main.ts': 'const a = "é";\n' } })));
    expect(text.split('\n').slice(3, 6)).toEqual(['    "a/b": {', '      "README.md": "# hi\\n",', `      "x.pb.gz": {`]);
    const decoded = decodeStartingFiles(text);
    expect(decoded.get('a/b')!.get('x.pb.gz')!.equals(binary)).toBe(true);
    expect(decoded.get('z/b')!.get('main.ts')!.toString('utf8')).toBe('const a = "é";\n');
  });

  it.each([['../escape.ts'], ['/etc/passwd'], ['a/../../b'], ['a//b'], ['']])('refuses a pack that names %j, a path outside its folder', (path) => {
    expect(() => decodeStartingFiles(JSON.stringify({ folders: { 'exercises/01': { [path]: 'x' } } }))).toThrow(/names a file outside its folder/);
  });
});

describe('resetFolder', () => {
  let scratch: string;
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));
  const setUp = () => {
    scratch = mkdtempSync(join(tmpdir(), 'reset-'));
    return { folder: join(scratch, 'exercise'), backup: join(scratch, 'backups', 'first') };
  };
  const starting = new Map([
    ['main.ts', Buffer.from('main\n')],
    ['README.md', Buffer.from('lesson\n')],
    ['lib/helper.ts', Buffer.from('helper\n')],
  ]);

  it('writes every starting file into a folder that is gone', () => {
    const { folder, backup } = setUp();
    expect(resetFolder(folder, starting, backup)).toEqual([
      { path: 'README.md', action: 'recreated' },
      { path: 'lib/helper.ts', action: 'recreated' },
      { path: 'main.ts', action: 'recreated' },
    ]);
    expect(readFileSync(join(folder, 'lib/helper.ts'), 'utf8')).toBe('helper\n');
    expect(existsSync(backup)).toBe(false);
  });

  it('moves aside what stands in the way (an edited file, a folder where a file goes, a file where a folder goes) and keeps what is not its own', () => {
    const { folder, backup } = setUp();
    mkdirSync(join(folder, 'main.ts', 'inside'), { recursive: true });
    writeFileSync(join(folder, 'main.ts', 'inside', 'work.ts'), 'my work\n');
    writeFileSync(join(folder, 'lib'), 'a file named lib\n');
    writeFileSync(join(folder, 'README.md'), 'lesson\n');
    mkdirSync(join(folder, 'notes'));
    writeFileSync(join(folder, 'notes', 'mine.md'), 'notes\n');
    expect(resetFolder(folder, starting, backup)).toEqual([
      { path: 'README.md', action: 'unchanged' },
      { path: 'lib', action: 'moved', backup: join(backup, 'lib') },
      { path: 'lib/helper.ts', action: 'recreated' },
      { path: 'main.ts', action: 'restored', backup: join(backup, 'main.ts') },
      { path: 'notes/mine.md', action: 'kept' },
    ]);
    expect(readFileSync(join(folder, 'main.ts'), 'utf8')).toBe('main\n');
    expect(readFileSync(join(folder, 'lib/helper.ts'), 'utf8')).toBe('helper\n');
    expect(readFileSync(join(backup, 'main.ts', 'inside', 'work.ts'), 'utf8')).toBe('my work\n');
    expect(readFileSync(join(backup, 'lib'), 'utf8')).toBe('a file named lib\n');
    expect(readFileSync(join(folder, 'notes', 'mine.md'), 'utf8')).toBe('notes\n');
    // A second reset finds nothing to do and makes no backup.
    const again = join(scratch, 'backups', 'second');
    expect(resetFolder(folder, starting, again).map((step) => step.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'kept']);
    expect(existsSync(again)).toBe(false);
    expect(lstatSync(join(backup, 'main.ts')).isDirectory()).toBe(true);
  });
});
