import { describe, expect, it } from 'vitest';
import { EMPTY_LOCK } from '../lock/lock-file.js';
import { parseSpecText } from '../spec/load.js';
import { lintSpecs } from './lint.js';

describe('lintSpecs', () => {
  it('places findings at the line and column the file wrote the field, flytekit names included', async () => {
    const file = parseSpecText(
      ['images:', '  app:', '    conda_packages:', '      - zlib', '    base_image: python', ''].join('\n'),
      { file: '/project/imagespec.yaml', format: 'yaml' },
    );
    const warnings = await lintSpecs(file.specs, { lock: EMPTY_LOCK, locate: () => file.locate });
    expect(warnings.map((w) => [w.rule, w.file, w.line, w.column])).toEqual([
      ['unpinned-conda-package', '/project/imagespec.yaml', 4, 9],
      ['mutable-base', '/project/imagespec.yaml', 5, 5],
    ]);
  });
});
