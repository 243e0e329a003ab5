import { describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import type { Builder } from '../contract/builder.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError } from '../errors.js';
import type { BuilderSelection, SelectedBuilder } from '../plugin/selection.js';
import { chooseSplit } from './split-build.js';

/** A builder that takes what `takes` says, as selection sees it. */
function builder(name: string, takes: (spec: ResolvedImageSpec) => boolean): SelectedBuilder {
  const impl: Builder = {
    available: async () => ({ ok: true }),
    supports: (spec) => (takes(spec) ? { ok: true } : { ok: false, reason: 'needs RUN' }),
    build: async () => {
      throw new Error('not built in this test');
    },
  };
  return { name, source: name, builder: impl };
}

const noRun = (spec: ResolvedImageSpec) => spec.packages.length === 0 && spec.commands.length === 0;
const oci = builder('oci', noRun);
const docker = builder('docker', () => true);

/** Selection by priority over `builders`, as the real registry does it; records what it was asked for. */
function registry(builders: readonly SelectedBuilder[]) {
  const asked: string[] = [];
  const select: BuilderSelection['select'] = async (spec) => {
    asked.push(spec.sourceRoot === undefined ? 'base' : spec.packages.length === 0 ? 'top' : 'whole');
    const found = builders.find((candidate) => candidate.builder.supports(spec).ok);
    if (!found) throw new ImagespecError('BUILDER_UNAVAILABLE', `No configured builder can build "${spec.name}".`);
    return found;
  };
  return { asked, builders: { select, list: async () => [], dispose: async () => {} } satisfies BuilderSelection };
}

const spec = testSpec({ packages: ['isp-beta==2.0.0'], sourceRoot: '/project/src' });
const pushed = { push: true, explicit: undefined, dryRun: false };

describe('chooseSplit', () => {
  it('splits a pushed spec with packages and source when the top goes to a builder that cannot build the whole', async () => {
    const { asked, builders } = registry([oci, docker]);
    const choice = await chooseSplit(spec, builders, pushed);
    expect(choice?.top.name).toBe('oci');
    expect(choice?.cut.top.packages).toEqual([]);
    // The daemon builder is not asked until the base part must be built.
    expect(asked).toEqual(['top']);
    expect((await choice?.selectBase())?.name).toBe('docker');
    expect(asked).toEqual(['top', 'base']);
  });

  it('keeps one image when the top builder can build the whole spec, or none takes the top', async () => {
    expect(await chooseSplit(spec, registry([docker]).builders, pushed)).toBeUndefined();
    expect(await chooseSplit(testSpec({ sourceRoot: '/project/src' }), registry([oci, docker]).builders, pushed)).toBe(
      undefined,
    );
    const none = builder('none', () => false);
    expect(await chooseSplit(spec, registry([none]).builders, pushed)).toBeUndefined();
  });

  it('keeps one image when not pushed, when a builder is named, or without source', async () => {
    const { asked, builders } = registry([oci, docker]);
    expect(await chooseSplit(spec, builders, { ...pushed, push: false })).toBeUndefined();
    expect(await chooseSplit(spec, builders, { ...pushed, explicit: 'docker' })).toBeUndefined();
    expect(await chooseSplit({ ...spec, builder: 'docker' }, builders, pushed)).toBeUndefined();
    expect(await chooseSplit(testSpec({ packages: ['isp-beta==2.0.0'] }), builders, pushed)).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it('passes on errors other than "no builder takes it"', async () => {
    const failing: BuilderSelection = {
      select: async () => {
        throw new ImagespecError('SPEC_INVALID', 'bad options');
      },
      list: async () => [],
      dispose: async () => {},
    };
    await expect(chooseSplit(spec, failing, pushed)).rejects.toMatchObject({ code: 'SPEC_INVALID' });
  });
});
