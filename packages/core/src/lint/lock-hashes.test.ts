import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { EMPTY_LOCK } from '../lock/lock-file.js';
import { lintSpecs } from './lint.js';
import { scanLock } from './lock-hashes.js';
import { lintSpec } from './rules.js';

const fixture = (path: string) => readFile(new URL(`../../test/fixtures/locks/${path}`, import.meta.url), 'utf8');
const HASH = `sha256:${'a'.repeat(64)}`;
const base = `127.0.0.1:5000/python:3.11@sha256:${'0'.repeat(64)}`;

function hashFindings(spec: ResolvedImageSpec, text: string) {
  const kind = spec.requirements?.kind;
  const input = kind === 'requirements.txt' ? { requirementsText: text } : { lockText: text };
  return lintSpec({ spec, lock: EMPTY_LOCK, ...input }).filter(
    (f) => f.rule === 'lock-hashes' || f.rule === 'unpinned-requirement',
  );
}

const withLock = (kind: 'uv.lock' | 'poetry.lock', overrides: Partial<ResolvedImageSpec> = {}) =>
  testSpec({ baseImage: base, requirements: { path: `/project/${kind}`, kind }, ...overrides });

describe('scanLock', () => {
  it('reads what the build installs from a uv.lock, and which packages have hashes', async () => {
    const packages = scanLock('uv.lock', await fixture('uv/uv.lock'));
    expect(packages.map((p) => [p.name, p.version, p.installed, p.hashed])).toEqual([
      ['certifi', '2024.8.30', true, true],
      ['colorama', '0.4.6', true, true],
      ['demo', '0.1.0', false, false],
      ['pysocks', '1.7.1', true, true],
      ['pytest', '8.3.3', true, true],
      ['requests', '2.32.3', true, true],
    ]);
  });

  it.each(['poetry/poetry.lock', 'poetry-legacy/poetry.lock'])(
    'reads groups, categories and hashes (files or [metadata.files]) from %s',
    async (path) => {
      const packages = scanLock('poetry.lock', await fixture(path));
      const installed = packages.filter((p) => p.installed);
      expect(installed.map((p) => p.name)).toEqual(
        path.includes('legacy') ? ['certifi', 'requests'] : ['certifi', 'colorama', 'requests'],
      );
      expect(installed.every((p) => p.hashed)).toBe(true);
      expect(packages.find((p) => p.name === 'pytest')?.installed).toBe(false);
    },
  );

  it('leaves out git sources, which the build refuses on its own', () => {
    const text = '[[package]]\nname = "x"\nversion = "1"\nfiles = []\n\n[package.source]\ntype = "git"\nurl = "u"\n';
    expect(scanLock('poetry.lock', text)).toMatchObject([{ name: 'x', installed: false, hashed: false }]);
  });
});

describe('rule lock-hashes', () => {
  it('is quiet for locks that hash every package', async () => {
    expect(hashFindings(withLock('uv.lock'), await fixture('uv/uv.lock'))).toEqual([]);
    expect(hashFindings(withLock('poetry.lock'), await fixture('poetry/poetry.lock'))).toEqual([]);
    expect(hashFindings(withLock('poetry.lock'), await fixture('poetry-legacy/poetry.lock'))).toEqual([]);
  });

  it('names the packages of a lock the build installs without a hash, at the first one', async () => {
    const text = (await fixture('poetry/poetry.lock')).replace(/(name = "requests"[\s\S]*?files = )\[[^\]]*\]/, '$1[]');
    expect(hashFindings(withLock('poetry.lock'), text)).toEqual([
      {
        rule: 'lock-hashes',
        image: 'app',
        requirementsLine: text.split('\n').indexOf('name = "requests"'),
        message:
          'poetry.lock lists no hashes for requests==2.32.3: the build installs it by version without checking its contents (the other packages are checked with pip --require-hashes). Lock from an index that publishes hashes, or list it in a requirements.txt with --hash options.',
      },
    ]);
  });

  it('summarises a lock with many unhashed packages in one finding', () => {
    const text = Array.from(
      { length: 7 },
      (_, i) => `[[package]]\nname = "p${i}"\nversion = "1.0"\nsource = { registry = "http://127.0.0.1:1/simple" }\n`,
    ).join('\n');
    const findings = hashFindings(withLock('uv.lock'), text);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toMatch(
      /^uv\.lock lists no hashes for p0==1\.0, p1==1\.0, p2==1\.0, p3==1\.0, p4==1\.0 and 2 more: the build installs them by version/,
    );
  });

  it('in a hashed requirements.txt: each line without a hash, and spec packages, which pip would refuse', () => {
    const spec = testSpec({
      baseImage: base,
      requirements: { path: '/project/requirements.txt', kind: 'requirements.txt' },
      packages: ['isp-gamma==0.1.0'],
    });
    const findings = hashFindings(spec, `isp-alpha==1.0.0 \\\n    --hash=${HASH}\nisp-beta==2.0.0\n`);
    expect(findings.map((f) => [f.rule, f.requirementsLine, f.path])).toEqual([
      ['lock-hashes', 3, ['requirements']],
      ['lock-hashes', undefined, ['packages']],
    ]);
    expect(findings[0]?.message).toBe(
      'requirements line 3 "isp-beta==2.0.0" has no --hash while others have: pip then checks hashes for the whole install and refuses this line. Add its hashes (pip hash, or pip-compile / uv pip compile --generate-hashes).',
    );
    expect(findings[1]?.message).toMatch(/^packages \(isp-gamma==0\.1\.0\) are installed in the same pip run/);
  });

  it('a fully hashed requirements.txt is pinned and quiet (no unpinned-requirement for --hash lines)', () => {
    const spec = testSpec({
      baseImage: base,
      requirements: { path: '/project/requirements.txt', kind: 'requirements.txt' },
    });
    expect(hashFindings(spec, `isp-alpha==1.0.0 \\\n    --hash=${HASH}\nisp-beta==2.0.0 --hash=${HASH}\n`)).toEqual([]);
    expect(hashFindings(spec, 'isp-alpha==1.0.0\nisp-beta==2.0.0\n')).toEqual([]);
  });
});

describe('lintSpecs with a lock file', () => {
  it('reads the lock and places the finding at its file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagespec-lock-hashes-'));
    try {
      const path = join(dir, 'uv.lock');
      const text = (await fixture('uv/uv.lock')).replace(/(name = "certifi"[\s\S]*?)sdist = [\s\S]*?\]\n/, '$1');
      await writeFile(path, text);
      const spec = testSpec({ baseImage: base, requirements: { path, kind: 'uv.lock' } });
      const warnings = await lintSpecs([spec], { lock: EMPTY_LOCK });
      expect(warnings.filter((w) => w.rule === 'lock-hashes')).toMatchObject([
        {
          file: path,
          line: text.split('\n').indexOf('name = "certifi"'),
          message: expect.stringMatching(/^uv\.lock lists no hashes for certifi==2024\.8\.30:/),
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
