import { describe, expect, it } from 'vitest';
import { computeImageIdentity } from '../hash/identity.js';
import { parseSpecText } from './load.js';
import { parseSetFlag } from './overrides.js';

const parse = (text: string, ...flags: string[]) =>
  parseSpecText(text, { file: '/virtual/spec.yaml', format: 'yaml', env: {}, overrides: flags.map(parseSetFlag) });

/** An ImagespecError with this code whose message contains `text`. */
const refused = (code: string, text: string) =>
  expect.objectContaining({ code, message: expect.stringContaining(text) });

const multi = 'images:\n  base:\n    baseImage: busybox:1.36\n  app:\n    baseImage: base\n';

describe('parseSetFlag', () => {
  it('splits at the first = and the name at dots', () => {
    expect(parseSetFlag('env.URL=a=b')).toEqual({ path: ['env', 'URL'], value: 'a=b', flag: 'env.URL=a=b' });
    expect(parseSetFlag('registry=')).toMatchObject({ path: ['registry'], value: '' });
  });

  it('refuses a flag without = or with an empty segment', () => {
    for (const flag of ['registry', '=x', 'env..A=1']) {
      expect(() => parseSetFlag(flag)).toThrow(refused('FLAG_INVALID', `--set ${flag}: expected NAME=VALUE`));
    }
  });
});

describe('--set overrides', () => {
  it('sets a field, a map entry and a flytekit-named field, replacing what the file wrote', () => {
    const [spec] = parse(
      'name: app\nregistry: ${REG:-old}\nenv:\n  A: "1"\n',
      'registry=localhost:5000',
      'env.B=2',
      'python_version=3.12',
    ).specs;
    expect(spec).toMatchObject({ registry: 'localhost:5000', env: { A: '1', B: '2' }, pythonVersion: '3.12' });
  });

  it('sets a field of one image of a multi-image file', () => {
    const { specs } = parse(multi, 'images.app.env.MODE=prod');
    expect(specs.map((spec) => [spec.name, spec.env])).toEqual([
      ['base', {}],
      ['app', { MODE: 'prod' }],
    ]);
  });

  it('refuses an unknown field, an unknown image, a path into a text and a bare field in a multi-image file', () => {
    expect(() => parse('name: app\n', 'regsitry=x')).toThrow(
      refused('FLAG_INVALID', '--set regsitry=x: `regsitry` is no spec field (`imagespec schema` lists them).'),
    );
    expect(() => parse(multi, 'images.web.name=x')).toThrow(
      refused('FLAG_INVALID', 'has no image `web`; it has: base, app'),
    );
    expect(() => parse('name: app\n', 'name.x=1')).toThrow(refused('FLAG_INVALID', '`name` is not a map'));
    expect(() => parse(multi, 'registry=x')).toThrow(
      refused('FLAG_INVALID', 'name the image: `images.<key>.registry`'),
    );
  });

  it('validates the value like one from the file', () => {
    expect(() => parse('name: app\n', 'name=Not Valid')).toThrow(refused('SPEC_INVALID', 'name'));
  });

  it('is hashed: another value, another tag', async () => {
    const text = 'name: app\nbaseImage: busybox:1.36\n';
    const tag = async (...flags: string[]) => (await computeImageIdentity(parse(text, ...flags).specs[0]!)).tag;
    const [plain, dev, prod] = await Promise.all([tag(), tag('env.MODE=dev'), tag('env.MODE=prod')]);
    expect(new Set([plain, dev, prod]).size).toBe(3);
  });
});
