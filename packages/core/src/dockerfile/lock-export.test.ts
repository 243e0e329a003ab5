import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_EXPORT_SCRIPT } from './lock-export.js';

/**
 * The exporter run by the host's python3 on lock samples, as the build runs it with the
 * image's (render.e2e.test.ts runs it inside a real build). Needs Python 3.11+ (tomllib).
 * By hand, the same output came from Pythons 3.7 to 3.13 (pip's tomli below 3.11).
 */

const run = promisify(execFile);
const fixtures = fileURLToPath(new URL('../../test/fixtures/locks/', import.meta.url));
const skipReason = await run('python3', ['-c', 'import tomllib']).then(
  () => false as const,
  () => 'needs python3 >= 3.11 (tomllib) on PATH to run the exporter',
);
if (skipReason) console.warn(`lock-export.test.ts skipped: ${skipReason}`);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-lock-export-'));
  await writeFile(join(dir, 'export-lock.py'), `${LOCK_EXPORT_SCRIPT.join('\n')}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fixture = (path: string) => readFile(join(fixtures, path), 'utf8');

interface Export {
  code: number;
  output: string;
  hashed: string[];
  unhashed: string[];
}

/**
 * Runs the script as a Python without these modules would: `sys.modules[name] = None` makes
 * importing them fail, as on Python < 3.11 (tomllib) or an old pip (its tomli).
 */
const without = (modules: readonly string[]) => [
  '-c',
  `import sys; sys.modules.update(dict.fromkeys(${JSON.stringify(modules)})); sys.argv = sys.argv[1:]; exec(compile(open(sys.argv[0]).read(), sys.argv[0], "exec"))`,
];

async function exportLock(
  kind: 'uv.lock' | 'poetry.lock',
  text: string,
  missing: readonly string[] = [],
): Promise<Export> {
  const lock = join(dir, kind);
  const [hashed, unhashed] = [join(dir, 'hashed.txt'), join(dir, 'unhashed.txt')];
  await writeFile(lock, text);
  await Promise.all([rm(hashed, { force: true }), rm(unhashed, { force: true })]);
  const python = missing.length > 0 ? without(missing) : [];
  const result = await run('python3', [...python, join(dir, 'export-lock.py'), kind, lock, hashed, unhashed]).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      output: error.stdout + error.stderr,
    }),
  );
  const lines = (path: string) =>
    readFile(path, 'utf8').then(
      (content) => content.split('\n').filter(Boolean),
      () => [],
    );
  return {
    ...result,
    output: result.output.replaceAll(dir, '<dir>'),
    hashed: await lines(hashed),
    unhashed: await lines(unhashed),
  };
}

const sha = (name: string) => expect.stringMatching(new RegExp(`^${name}==\\S+( --hash=sha256:[0-9a-f]{64}){2}$`));

describe.skipIf(skipReason)('lock export (host python3)', () => {
  it('exports the main dependencies of a uv.lock with the hashes of their sdist and wheels', async () => {
    const result = await exportLock('uv.lock', await fixture('uv/uv.lock'));
    expect(result.code, result.output).toBe(0);
    // colorama is windows-only, pytest a dev dependency, demo the project itself; pysocks comes with requests[socks].
    expect(result.hashed).toEqual([sha('certifi'), sha('pysocks'), sha('requests')]);
    expect(result.hashed[2]).toBe(
      'requests==2.32.3 --hash=sha256:23c17f82b8de6cc83d77718b70aea5c7738554a70876d53dea4927873d85417a --hash=sha256:9f66f60b72fa17698c5f5f2511db1c139eb9fbf3dc52bc60a1d6d79c0a56b038',
    );
    expect(result.unhashed).toEqual([]);
    expect(result.output).toBe('imagespec: 3 pinned packages from uv.lock, 3 checked against its hashes\n');
  });

  it.each([
    ['poetry/poetry.lock', 'groups and markers, hashes in files'],
    ['poetry-legacy/poetry.lock', 'category, hashes in [metadata.files]'],
  ])('exports the main group of a poetry.lock with its hashes (%s: %s)', async (path) => {
    const result = await exportLock('poetry.lock', await fixture(path));
    expect(result.code, result.output).toBe(0);
    expect(result.hashed).toEqual([sha('certifi'), sha('requests')]);
    expect(result.hashed[0]).toBe(
      'certifi==2024.8.30 --hash=sha256:5e1e6c71ccaa1603fac2b9a249db7b40636fb1c67155b54672c5df1fc6e87d8f --hash=sha256:c7947b1abcae3edea78aa234f2c150ed44ee17ed47d8947150c2864a224900b4',
    );
    expect(result.unhashed).toEqual([]);
  });

  it('puts packages the lock has no hash for in the unhashed file and names them', async () => {
    const uv = (await fixture('uv/uv.lock')).replace(/(name = "certifi"[\s\S]*?)sdist = [\s\S]*?\]\n/, '$1');
    const fromUv = await exportLock('uv.lock', uv);
    expect(fromUv.code, fromUv.output).toBe(0);
    expect(fromUv.hashed).toEqual([sha('pysocks'), sha('requests')]);
    expect(fromUv.unhashed).toEqual(['certifi==2024.8.30']);
    expect(fromUv.output).toContain(
      'imagespec: warning: <dir>/uv.lock has no hashes for certifi==2024.8.30; pip installs them by version, without checking their contents',
    );

    const poetry = (await fixture('poetry/poetry.lock')).replace(
      /(name = "requests"[\s\S]*?files = )\[[^\]]*\]/,
      '$1[]',
    );
    const fromPoetry = await exportLock('poetry.lock', poetry);
    expect(fromPoetry.code, fromPoetry.output).toBe(0);
    expect(fromPoetry.hashed).toEqual([sha('certifi')]);
    expect(fromPoetry.unhashed).toEqual(['requests==2.32.3']);
  });

  it.each([
    ['an algorithm pip cannot check', 'hash = "md5:0123abcd"', /the hash 'md5:0123abcd', which pip cannot check/],
    [
      'a hash that would add a pip option',
      'hash = "sha256:00 --index-url http://127.0.0.1:1/simple"',
      /the hash 'sha256:00 --index-url http:\/\/127\.0\.0\.1:1\/simple', which pip cannot check/,
    ],
    [
      'a hash on two lines',
      'hash = "sha256:00\\n-e /tmp/x"',
      /the hash 'sha256:00\\n-e \/tmp\/x', which pip cannot check/,
    ],
  ])('fails on %s, naming the package', async (_, replacement, message) => {
    const text = (await fixture('uv/uv.lock')).replace(/hash = "sha256:[0-9a-f]+"(?=, size = 131218)/, replacement);
    const result = await exportLock('uv.lock', text);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^imagespec: <dir>\/uv\.lock: package requests has the hash /);
    expect(result.output).toMatch(message);
    expect(result.hashed).toEqual([]);
  });

  it("reads the lock with pip's tomli where tomllib is missing (Python < 3.11), and says what it needs without either", async () => {
    const text = await fixture('uv/uv.lock');
    const withTomllib = await exportLock('uv.lock', text);
    const withPipTomli = await exportLock('uv.lock', text, ['tomllib', 'tomli']);
    expect(withPipTomli.code, withPipTomli.output).toBe(0);
    expect(withPipTomli.hashed).toEqual(withTomllib.hashed);

    const neither = await exportLock('uv.lock', text, ['tomllib', 'tomli', 'pip._vendor.tomli']);
    expect(neither.code).toBe(1);
    expect(neither.output).toMatch(
      /^imagespec: <dir>\/uv\.lock: installing from uv\.lock needs Python 3\.11 or newer \(tomllib\), or pip 21\.2 or newer \(which carries tomli\), in the image; found Python 3\.\d+\.\d+\n$/,
    );
  });

  it('fails on a version that would add a requirements line', async () => {
    const text = (await fixture('poetry/poetry.lock')).replace(
      'version = "2.32.3"',
      'version = "2.32.3\\n--index-url=x"',
    );
    const result = await exportLock('poetry.lock', text);
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      "imagespec: <dir>/poetry.lock: package 'requests' version '2.32.3\\n--index-url=x' is not a valid distribution name and version",
    );
  });
});
