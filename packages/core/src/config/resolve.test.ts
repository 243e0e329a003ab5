import { describe, expect, it } from 'vitest';
import type { BuilderDefinition } from '../contract/builder.js';
import { type ConfigIssue, flattenBuilders, resolveConfig } from './resolve.js';

const definition: BuilderDefinition = {
  apiVersion: 1,
  name: 'inline',
  priority: 1,
  create: () => ({
    available: () => ({ ok: true }),
    supports: () => ({ ok: true }),
    build: async (r) => ({ image: r.image, pushed: false }),
  }),
};

describe('flattenBuilders', () => {
  const flatten = (value: unknown[]) => {
    const into: unknown[] = [];
    const issues: ConfigIssue[] = [];
    flattenBuilders(value, ['builders'], into as never, issues);
    return { into, issues };
  };

  it('drops falsy values, flattens nested lists and keeps [target, options] pairs', () => {
    expect(
      flatten([
        'a',
        false,
        null,
        undefined,
        [
          ['b', { x: 1 }],
          ['c', 'd'],
        ],
        [definition, { y: 2 }],
        definition,
      ]).into,
    ).toEqual([
      ['a', {}],
      ['b', { x: 1 }],
      ['c', {}],
      ['d', {}],
      [definition, { y: 2 }],
      [definition, {}],
    ]);
  });

  it('reads [definition, definition] as two builders, not a definition with options', () => {
    expect(flatten([[definition, definition]]).into).toEqual([
      [definition, {}],
      [definition, {}],
    ]);
  });

  it('is idempotent on its own output', () => {
    const once = flatten(['a', ['b', { x: 1 }]]).into;
    expect(flatten(once).into).toEqual(once);
  });

  it('reports what it cannot read, with the path', () => {
    expect(flatten(['', [7], { name: 'x' }]).issues).toEqual([
      { path: 'builders[0]', message: 'a builder package name or path must not be empty' },
      {
        path: 'builders[1][0]',
        message: 'expected a package name, a path, a builder definition or [name, options], got a number 7',
      },
      {
        path: 'builders[2]',
        message: 'expected a package name, a path, a builder definition or [name, options], got an object',
      },
    ]);
  });
});

describe('resolveConfig', () => {
  it('fills empty defaults and freezes the result deeply', () => {
    const config = resolveConfig({ registries: { 'localhost:5000': { insecure: true } } }, { dir: '/p' });
    expect(config).toEqual({
      dir: '/p',
      builders: [],
      defaults: {},
      registries: { 'localhost:5000': { insecure: true } },
      mirrors: {},
    });
    expect(Object.isFrozen(config.registries['localhost:5000'])).toBe(true);
  });

  it('rejects a config that is not an object', () => {
    expect(() => resolveConfig([], { file: '/p/imagespec.config.json', dir: '/p' })).toThrow(
      '/p/imagespec.config.json must export an object, but it exports a list.',
    );
  });
});
