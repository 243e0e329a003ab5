import { describe, expect, it } from 'vitest';
import { validateBuilderDefinition } from './validate.js';

const create = () => ({});

describe('validateBuilderDefinition', () => {
  it('returns a valid definition as is (shape only: no instanceof)', () => {
    const definition = {
      apiVersion: 1,
      name: 'my-builder.v2',
      priority: -5,
      create,
      optionsSchema: { safeParse: () => ({ success: true, data: {} }) },
    };
    expect(validateBuilderDefinition(definition, 'pkg')).toBe(definition);
  });

  it.each([
    [undefined, 'pkg is not an imagespec builder: its default export is undefined, not a builder definition.'],
    [() => {}, 'pkg is not an imagespec builder: its default export is a function, not a builder definition.'],
    [
      { name: 'x' },
      'pkg is not an imagespec builder: its definition has no apiVersion (this @imagespec/core supports apiVersion 1).',
    ],
    [
      { apiVersion: '1', name: 'x' },
      'pkg declares builder apiVersion "1", but this @imagespec/core supports apiVersion 1.',
    ],
    [
      { apiVersion: 0, name: 'x' },
      'pkg declares builder apiVersion 0, but this @imagespec/core supports apiVersion 1.',
    ],
    [
      { apiVersion: 1, name: '', priority: Number.POSITIVE_INFINITY, create, optionsSchema: {}, description: 3 },
      "pkg is not a valid imagespec builder: name must be a non-empty lowercase string such as \"docker\" (letters, digits, '.', '_', '-'), got \"\"; priority must be a finite number, got number Infinity; optionsSchema must be a schema with safeParse (a zod schema), got an object; description must be a string, got number 3.",
    ],
  ])('rejects %o with PLUGIN_INVALID', (value, message) => {
    expect(() => validateBuilderDefinition(value, 'pkg')).toThrow(
      expect.objectContaining({ code: 'PLUGIN_INVALID', message }),
    );
  });

  it('tells an older plugin to upgrade itself and a newer one to upgrade core', () => {
    const hint = (apiVersion: number) => {
      try {
        validateBuilderDefinition({ apiVersion, name: 'x', priority: 1, create }, 'pkg');
      } catch (error) {
        return (error as { hint: string }).hint;
      }
    };
    expect(hint(2)).toContain('Upgrade @imagespec/core');
    expect(hint(0)).toContain('Install a version of pkg made for apiVersion 1');
  });
});
