import { describe, expect, it } from 'vitest';
import { createColors } from './colors.js';
import { renderSummaryTable } from './summary-table.js';

describe('renderSummaryTable', () => {
  const colors = createColors(false);

  it('says how each split build was made, after the table', () => {
    const text = renderSummaryTable(
      [
        {
          name: 'app',
          image: '127.0.0.1:5000/app:abc',
          status: 'pushed',
          builder: 'oci',
          durationMs: 420,
          split: { image: '127.0.0.1:5000/app:base1', hash: 'base1', status: 'skipped' },
        },
        {
          name: 'web',
          image: '127.0.0.1:5000/web:def',
          status: 'pushed',
          builder: 'oci',
          durationMs: 9000,
          split: { image: '127.0.0.1:5000/web:base2', hash: 'base2', status: 'pushed', builder: 'docker' },
        },
        { name: 'plain', image: '127.0.0.1:5000/plain:ghi', status: 'skipped', durationMs: 3 },
      ],
      colors,
    );
    expect(text.split('\n')).toEqual([
      'IMAGE                 TAG  BUILDER  RESULT   TIME',
      '127.0.0.1:5000/app    abc  oci      pushed   420ms',
      '127.0.0.1:5000/web    def  oci      pushed   9.0s',
      '127.0.0.1:5000/plain  ghi  -        skipped  3ms',
      'app: built in two parts: base part 127.0.0.1:5000/app:base1 (found in the registry), source layer and settings by oci',
      'web: built in two parts: base part 127.0.0.1:5000/web:base2 (built by docker), source layer and settings by oci',
      '',
    ]);
  });
});
