import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeSpec } from '../spec/normalize.js';
import { renderExplain } from './explain.js';
import { computeImageIdentity } from './identity.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagespec-explain-'));
  const files: Record<string, string> = {
    'src/.gitignore': '*.log\n',
    'src/.dockerignore': 'tests\n',
    'src/main.py': 'print(1)\n',
    'src/__pycache__/main.cpython-312.pyc': 'x',
    'src/tests/test_main.py': '',
    'src/.env': 'TOKEN=x\n',
  };
  for (let i = 0; i < 8; i++) files[`src/logs/run-${i}.log`] = '';
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(work, path, '..'), { recursive: true });
    await writeFile(join(work, path), content);
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('renderExplain: what the ignore rules left out', () => {
  it('lists per rule the count and the first few paths, after the tree records', async () => {
    const identity = await computeImageIdentity(normalizeSpec({ name: 'app', sourceRoot: 'src' }, { dir: work }));
    const text = renderExplain(identity);
    const section = text.slice(text.indexOf('    left out'));
    expect(section.split('\n').filter(Boolean)).toEqual([
      '    left out (neither hashed nor sent):',
      '      built-in `__pycache__`      1  __pycache__/',
      '      .dockerignore:1 `tests`     1  tests/',
      '      .gitignore:1 `*.log`        8  logs/run-0.log, logs/run-1.log, logs/run-2.log, logs/run-3.log, logs/run-4.log, … (3 more)',
    ]);
    // What is sent is listed above it, the .env included (the lint rule warns about it).
    expect(text).toMatch(/file +\.env +sha256/);
    expect(identity.files.source?.excluded.map((group) => group.count)).toEqual([1, 1, 8]);
  });
});
