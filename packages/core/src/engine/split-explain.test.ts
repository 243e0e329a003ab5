import { describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import { computeImageIdentity } from '../hash/identity.js';
import { splitSpec } from './split.js';
import { renderSplitExplain } from './split-explain.js';

describe('renderSplitExplain', () => {
  it('names both images, what each holds and who builds it', async () => {
    const here = new URL('.', import.meta.url).pathname;
    const spec = testSpec({
      registry: '127.0.0.1:5000',
      packages: ['isp-beta==2.0.0'],
      sourceRoot: here,
      origin: { dir: here },
    });
    const options = { statCache: false as const };
    const whole = await computeImageIdentity(spec, options);
    const base = await computeImageIdentity(splitSpec(spec)!.base, options);
    const text = renderSplitExplain(whole, base);
    expect(text).toContain(`  base part  ${base.image}\n`);
    expect(text).toContain(`hash ${base.hash}`);
    expect(text).toContain(`  top        ${whole.image}\n`);
    expect(base.image).not.toBe(whole.image);
    expect(text).toContain('appended by builder-oci');
  });
});
