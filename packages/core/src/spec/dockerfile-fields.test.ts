import { describe, expect, it } from 'vitest';
import type { ImageSpecInput } from '../contract/spec.js';
import { isImagespecError } from '../errors.js';
import { imageSpec } from './fluent.js';
import { normalizeSpec } from './normalize.js';

const origin = { dir: '/project/specs' };

function problems(input: unknown): string {
  try {
    normalizeSpec(input as ImageSpecInput, origin);
  } catch (error) {
    if (isImagespecError(error) && error.code === 'SPEC_INVALID') return error.message;
    throw error;
  }
  throw new Error('expected SPEC_INVALID');
}

// Issue 12: the fields of a spec that brings its own Dockerfile.
describe('Dockerfile spec fields', () => {
  it('resolves paths against the spec folder, the context defaulting to the Dockerfile’s folder', () => {
    const spec = normalizeSpec(
      { name: 'web', dockerfile: '../svc/Dockerfile', target: 'Runtime', buildArgs: { B: 2, A: 'x', C: true } },
      origin,
    );
    expect(spec.dockerfile).toEqual({
      path: '/project/svc/Dockerfile',
      context: '/project/svc',
      target: 'runtime',
      buildArgs: { A: 'x', B: '2', C: 'true' },
    });
    expect(Object.keys(spec.dockerfile?.buildArgs ?? {})).toEqual(['A', 'B', 'C']);
    expect(spec.baseImage).toBe('scratch');
    expect(spec.packages).toEqual([]);
    expect(normalizeSpec({ name: 'web', dockerfile: 'Dockerfile', context: '..' }, origin).dockerfile?.context).toBe(
      '/project',
    );
    expect(normalizeSpec({ name: 'app' }, origin).dockerfile).toBeUndefined();
  });

  it('refuses Python-layer fields beside dockerfile, each at its path, pointing at layering', () => {
    const message = problems({
      name: 'web',
      dockerfile: 'Dockerfile',
      baseImage: 'python:3.12',
      packages: ['requests'],
      env: { A: '1' },
      labels: { ok: 'yes' },
      verify: ['true'],
    });
    expect(message).toContain('3 problems');
    expect(message).toMatch(/baseImage: baseImage cannot be set on a spec with its own dockerfile/);
    expect(message).toMatch(/packages: packages cannot be set .*`baseImage: <this spec's key>`/);
    expect(message).toMatch(/env: env cannot be set/);
  });

  it('refuses context, target and buildArgs without dockerfile, and bad names', () => {
    expect(problems({ name: 'app', target: 'x', buildArgs: { A: '1' } })).toMatch(
      /target: target applies to a Dockerfile: set dockerfile too[\s\S]*buildArgs: buildArgs applies/,
    );
    expect(problems({ name: 'web', dockerfile: 'Dockerfile', buildArgs: { 'A-B': '1' } })).toContain(
      'build arg `A-B` is not an ARG name',
    );
    expect(problems({ name: 'web', dockerfile: 'Dockerfile', target: 'a b' })).toContain('is not a stage name');
  });

  it('withDockerfile: the fluent form, buildArgs merging, paths made absolute when used as a base', () => {
    const web = imageSpec({ name: 'web' }, { dir: '/p' }).withDockerfile('svc/Dockerfile', {
      context: 'svc',
      buildArgs: { A: '1' },
    });
    const again = web.withDockerfile('svc/Dockerfile', { target: 'runtime', buildArgs: { B: '2' } });
    expect(again.resolve().dockerfile).toEqual({
      path: '/p/svc/Dockerfile',
      context: '/p/svc',
      target: 'runtime',
      buildArgs: { A: '1', B: '2' },
    });
    const app = imageSpec({ name: 'app' }, { dir: '/elsewhere' }).withBaseImage(web).withCommands('true').resolve();
    expect(typeof app.baseImage === 'object' && app.baseImage.dockerfile?.path).toBe('/p/svc/Dockerfile');
  });
});
