import { describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import { computeContextLayout } from '../context/layout.js';
import { renderDockerfile } from '../dockerfile/render.js';
import { hashOf } from '../hash/hash.js';
import { computeHashInput } from '../hash/hash-input.js';
import { splitSpec } from './split.js';

const BASE = '127.0.0.1:5000/imagespec-test/python:3-bookworm';
const PART = '127.0.0.1:5000/app:basepart';
const HASH = 'abcdefghijklmnopqrstuvwxyz';
const BASE_HASH = 'zyxwvutsrqponmlkjihgfedcba';

const full = testSpec({
  baseImage: BASE,
  pythonVersion: '3.11',
  aptPackages: ['git'],
  packages: ['isp-beta==2.0.0'],
  requirements: { path: '/project/requirements.txt', kind: 'requirements.txt' },
  pipIndex: 'http://127.0.0.1:8080/simple/',
  env: { MODE: 'prod' },
  workdir: '/app',
  copy: [{ src: '/project/config', dest: '/etc/app' }],
  commands: ['echo built > /built'],
  sourceRoot: '/project',
  labels: { team: 'ml' },
  user: 'nobody',
  entrypoint: ['python', '-m', 'app'],
  cmd: ['--serve'],
  verify: ['python -c 1'],
  tags: ['latest'],
  builderOptions: { network: 'host' },
});

const lines = (text: string) => text.trimEnd().split('\n');
const render = (spec = full, baseImage = BASE, hash = HASH) =>
  lines(renderDockerfile(spec, { dialect: 'buildkit', baseImage, hash }));

describe('splitSpec', () => {
  it('leaves a spec without a source layer whole', () => {
    expect(splitSpec(testSpec({ packages: ['isp-beta==2.0.0'] }))).toBeUndefined();
    expect(splitSpec({ ...full, sourceCopyMode: 'none' })).toBeUndefined();
    const dockerfile = { path: '/project/Dockerfile', context: '/project', buildArgs: {} };
    expect(splitSpec({ ...testSpec({ sourceRoot: '/project' }), dockerfile })).toBeUndefined();
  });

  it("cuts the whole spec's Dockerfile at the source COPY: base up to the commands, top from the source on", () => {
    const split = splitSpec(full)!;
    const whole = render();
    const cut = whole.findIndex((line) => line.startsWith('COPY ["_imagespec/source"'));
    expect(cut).toBeGreaterThan(0);
    // The base part's Dockerfile is the whole one up to the source, then its own hash label.
    expect(render(split.base, BASE, BASE_HASH)).toEqual([
      ...whole.slice(0, cut),
      `LABEL dev.imagespec.hash="${BASE_HASH}"`,
    ]);
    // The top, FROM the base part: ENV and WORKDIR again (no change to the config), then the rest as the whole spec has it.
    const top = render(split.top, PART);
    expect(top.slice(0, 3)).toEqual([`FROM ${PART}`, 'ENV MODE="prod"', 'WORKDIR /app']);
    expect(top.slice(3)).toEqual(whole.slice(cut));
  });

  it('gives the top only the source layer, and the base everything but it', () => {
    const { base, top } = splitSpec(full)!;
    expect(computeContextLayout(top)).toEqual({ copy: [], source: computeContextLayout(full).source });
    const baseLayout = computeContextLayout(base);
    expect(baseLayout.source).toBeUndefined();
    expect(baseLayout.copy).toEqual(computeContextLayout(full).copy);
    expect(top.baseImage).toBe(base);
    // Verify runs on the final image only; extra tags go on the final image; builderOptions are the base builder's.
    expect([base.verify, base.tags, base.builderOptions]).toEqual([[], [], { network: 'host' }]);
    expect([top.verify, top.tags, top.builderOptions]).toEqual([['python -c 1'], [], {}]);
  });

  it("tags the base by everything but the source and the settings after it: a source edit keeps the base's hash", () => {
    const { base } = splitSpec(full)!;
    const facts = (source: string) => ({
      baseImage: BASE,
      requirementsSha256: 'a'.repeat(64),
      copy: [{ digest: 'c'.repeat(64) }],
      source: { digest: source },
    });
    expect(hashOf(computeHashInput(base, facts('1'.repeat(64))))).toBe(
      hashOf(computeHashInput(base, facts('2'.repeat(64)))),
    );
    const other = splitSpec({ ...full, labels: { team: 'web' }, cmd: ['--debug'] })!.base;
    expect(hashOf(computeHashInput(other, facts('1'.repeat(64))))).toBe(
      hashOf(computeHashInput(base, facts('1'.repeat(64)))),
    );
    const edited = splitSpec({ ...full, commands: ['echo other > /built'] })!.base;
    expect(hashOf(computeHashInput(edited, facts('1'.repeat(64))))).not.toBe(
      hashOf(computeHashInput(base, facts('1'.repeat(64)))),
    );
  });
});
