import { describe, expect, it } from 'vitest';
import { createColors } from './colors.js';
import { renderPlans } from './plan-text.js';

describe('renderPlans', () => {
  it('an argv as one shell line, a Dockerfile as a block, a manifest as indented JSON', () => {
    const text = renderPlans(
      [
        {
          name: 'app',
          image: 'r/app:abc',
          builder: 'kaniko',
          availability: 'availability not checked (dry run)',
          plan: {
            argv: ['buildctl', 'build', '--opt', 'build-arg:A=two words'],
            dockerfile: 'FROM busybox\nRUN true\n',
            pod: { kind: 'Pod', spec: { containers: [{ name: 'kaniko' }] } },
            namespace: 'ci',
          },
        },
        { name: 'base', image: 'base:def', builder: 'noop' },
      ],
      createColors(false),
    );
    expect(text).toBe(`plan for app: r/app:abc with the kaniko builder
  availability not checked (dry run)
  argv: buildctl build --opt 'build-arg:A=two words'
  dockerfile:
    FROM busybox
    RUN true
  pod:
    {
      "kind": "Pod",
      "spec": {
        "containers": [
          {
            "name": "kaniko"
          }
        ]
      }
    }
  namespace: ci
plan for base: base:def with the noop builder
  (the builder describes no plan)
`);
    expect(renderPlans([], createColors(false))).toBe('');
  });
  it('says which part of a split build each plan is', () => {
    const text = renderPlans(
      [
        { name: 'app', image: 'r/app:base', builder: 'docker', part: 'base', plan: { dockerfile: 'FROM b\n' } },
        { name: 'app', image: 'r/app:top', builder: 'oci', part: 'top', plan: { base: 'r/app:base' } },
      ],
      createColors(false),
    );
    expect(text).toBe(`plan for app: r/app:base with the docker builder
  split build, base part: the spec up to its commands, tagged by its own hash
  dockerfile:
    FROM b
plan for app: r/app:top with the oci builder
  split build, top: the source layer and the settings after it, on the base part, under the spec's tag
  base: r/app:base
`);
  });
});
