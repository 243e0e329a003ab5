import { describe, expect, it } from 'vitest';
import { describeStatus } from './status.js';

describe('describeStatus', () => {
  const stamp = { image: 'hello:abc', spec: 'hello' } as const;
  it('says where a skipped image was found', () => {
    expect(describeStatus({ type: 'skipped', ...stamp, reason: 'exists', where: 'local' })).toBe(
      'skipped: hello:abc is already in the local engine',
    );
    expect(describeStatus({ type: 'skipped', ...stamp, reason: 'exists', where: 'registry' })).toBe(
      'skipped: hello:abc is already in the registry',
    );
    expect(describeStatus({ type: 'skipped', ...stamp, reason: 'dry-run' })).toBe('dry run: would build hello:abc');
  });
});
