import { describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { EMPTY_LOCK, type LockFile } from '../lock/lock-file.js';
import { type LintRule, lintSpec, requirementName } from './rules.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

const spec = (overrides: Partial<ResolvedImageSpec> = {}) =>
  testSpec({ baseImage: `localhost:5000/python:3.11-slim@${DIGEST}`, ...overrides });

const rules = (s: ResolvedImageSpec, lock: LockFile = EMPTY_LOCK, requirementsText?: string): LintRule[] =>
  lintSpec({ spec: s, lock, ...(requirementsText !== undefined && { requirementsText }) }).map((f) => f.rule);

describe('lint rules', () => {
  it('a clean spec has no findings', () => {
    expect(
      rules(
        spec({ packages: ['numpy==1.26.4', 'pandas===2.2.0'], condaPackages: ['zlib=1.3'] }),
        EMPTY_LOCK,
        'requests==2.31.0\n# comment\n-r other.txt\n',
      ),
    ).toEqual([]);
  });

  const cases: [LintRule, ResolvedImageSpec, LockFile?, string?][] = [
    ['unpinned-package', spec({ packages: ['numpy'] })],
    ['unpinned-package', spec({ packages: ['numpy>=1.0'] })],
    ['unpinned-conda-package', spec({ condaPackages: ['zlib'] })],
    ['unpinned-requirement', spec(), EMPTY_LOCK, 'requests\n'],
    ['conflicting-versions', spec({ packages: ['numpy==1.0', 'NumPy==2.0'] })],
    ['conflicting-versions', spec({ packages: ['numpy==1.0'] }), EMPTY_LOCK, 'numpy==2.0\n'],
    ['mutable-base', spec({ baseImage: 'python' })],
    ['mutable-base', spec({ baseImage: 'localhost:5000/python:latest' })],
    ['unlocked-base', spec({ baseImage: 'python:3.11-slim' })],
    ['runtime-override', spec({ entrypoint: ['python', 'app.py'] })],
    ['runtime-override', spec({ cmd: ['serve'] })],
  ];
  it.each(cases)('%s fires on a spec that breaks it', (rule, s, lock, requirements) => {
    expect(rules(s, lock, requirements)).toContain(rule);
  });

  it('a locked base stays quiet, whatever its tag', () => {
    const lock: LockFile = {
      version: 1,
      images: {
        'docker.io/library/python:3.11-slim': { digest: DIGEST },
        'docker.io/library/python:latest': { digest: DIGEST },
      },
    };
    expect(rules(spec({ baseImage: 'python:3.11-slim' }), lock)).toEqual([]);
    expect(rules(spec({ baseImage: 'python' }), lock)).toEqual([]);
  });

  it('names the requirements line that is unpinned', () => {
    const [finding] = lintSpec({ spec: spec(), lock: EMPTY_LOCK, requirementsText: 'a==1\n\nb>=2\n' });
    expect(finding).toMatchObject({ rule: 'unpinned-requirement', requirementsLine: 3 });
  });

  it('normalizes distribution names as PEP 503 does', () => {
    expect(requirementName('Foo_Bar.baz[extra]>=1')).toBe('foo-bar-baz');
  });
});
