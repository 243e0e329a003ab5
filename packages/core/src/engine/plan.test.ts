import { describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import { planBuilds } from './plan.js';

describe('planBuilds', () => {
  it('orders a shared base spec first, plans it once, and computes its identity once', async () => {
    const resolved: string[] = [];
    const resolveBase = (reference: string) => {
      resolved.push(reference);
      return reference;
    };
    const base = () => testSpec({ name: 'base', baseImage: 'localhost:5000/busybox:1', commands: ['echo base'] });
    // Each dependent holds its own copy of the base, as specs do after applyConfigDefaults.
    const specs = [testSpec({ name: 'a', baseImage: base() }), testSpec({ name: 'b', baseImage: base() }), base()];
    const plan = await planBuilds(specs, { resolveBase, platform: ['linux/amd64'] });
    expect(plan.map((image) => [image.spec.name, image.dependsOn?.split(':')[0]])).toEqual([
      ['base', undefined],
      ['a', 'base'],
      ['b', 'base'],
    ]);
    expect(resolved).toEqual(['localhost:5000/busybox:1']);
  });
});
