import { normalizeSpec } from '@imagespec/core/spec';
import { describe, expect, it } from 'vitest';
import { ociSupports } from './supports.js';

const spec = (input: Record<string, unknown>) =>
  normalizeSpec({ name: 'app', baseImage: '127.0.0.1:5000/imagespec-test/busybox:1', ...input }, { dir: '/project' });
const engine = { ok: true };

describe('ociSupports', () => {
  it('takes files and settings: copy, source, env, workdir, user, labels, entrypoint, cmd, platforms', () => {
    expect(
      ociSupports(
        spec({
          copy: ['data'],
          sourceRoot: '.',
          env: { A: '1' },
          workdir: '/app',
          user: 'app',
          labels: { team: 'ml' },
          entrypoint: ['python'],
          cmd: ['main.py'],
          platform: ['linux/amd64', 'linux/arm64'],
        }),
        engine,
      ),
    ).toEqual({ ok: true });
  });

  it('names every field that needs a RUN step', () => {
    const result = ociSupports(
      spec({ packages: ['numpy'], aptPackages: ['git'], commands: ['echo hi'], requirements: 'requirements.txt' }),
      engine,
    );
    expect(result).toEqual({
      ok: false,
      reason:
        'builder-oci writes files and settings only, and aptPackages (git); requirements (/project/requirements.txt); packages (numpy); commands (echo hi) need a RUN step on a daemon',
    });
  });

  it('takes pythonVersion on the default base it names, not on another base (the Dockerfile checks it with a RUN)', () => {
    expect(ociSupports(normalizeSpec({ name: 'app', pythonVersion: '3.11' }, { dir: '/p' }), engine)).toEqual({
      ok: true,
    });
    expect(ociSupports(spec({ pythonVersion: '3.11' }), engine)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('pythonVersion (3.11, checked with a RUN'),
    });
  });

  it('refuses verify without an engine, saying why', () => {
    expect(
      ociSupports(spec({ verify: ['true'] }), { ok: false, why: 'no Docker engine answers at unix:///x' }),
    ).toEqual({
      ok: false,
      reason:
        'verify needs a local Docker engine to run the commands in before the tag is put, and no Docker engine answers at unix:///x',
    });
    expect(ociSupports(spec({ verify: ['true'] }), engine)).toEqual({ ok: true });
  });

  it('refuses a base spec without a registry to read it from', () => {
    expect(ociSupports(spec({ baseImage: { name: 'base', baseImage: 'busybox:1' } }), engine)).toEqual({
      ok: false,
      reason: 'its base is the spec "base", which has no registry to read its layers from',
    });
  });

  it('refuses a spec that brings its own Dockerfile, naming the field', () => {
    const own = normalizeSpec({ name: 'app', dockerfile: 'docker/Dockerfile', target: 'runtime' }, { dir: '/project' });
    expect(ociSupports(own, engine)).toEqual({
      ok: false,
      reason:
        'builder-oci writes files and settings only, and dockerfile (/project/docker/Dockerfile) is a Dockerfile whose steps need a daemon (docker, buildkit or kaniko)',
    });
  });
});
